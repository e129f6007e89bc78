"""Privacy labels: derive store-style labels from evidence, read declared labels, compare the two."""
