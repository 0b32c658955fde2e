"""What every stage shares, and nothing else: the user-error family, atomic file writes, content hashes,
and the run log in which a notebook records what it read and wrote.
Imports no other part of pcnreport, so any stage may use it.
"""
