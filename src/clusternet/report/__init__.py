"""clusternet.report"""
