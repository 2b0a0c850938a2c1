"""Who may do what in wfo: the role → resource → action table and the checks built on it."""
