"""Planning: from a graph and a selection to the ordered steps of a run, with versions."""
