"""clusternet.models"""
