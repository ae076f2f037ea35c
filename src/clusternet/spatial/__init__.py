"""clusternet.spatial"""
