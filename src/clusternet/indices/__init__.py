"""clusternet.indices"""
