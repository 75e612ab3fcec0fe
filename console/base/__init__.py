"""The floor: the sanitiser, file locations, bounded reading, crash reports.

Imports nothing of ours.
"""
