"""clusternet.network"""
