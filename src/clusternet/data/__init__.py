"""clusternet.data"""
