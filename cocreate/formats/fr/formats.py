# French groups thousands with a narrow no-break space (2 000), as the Imprimerie nationale's rules and
# CLDR write it; Django's French formats use a full no-break space.
THOUSAND_SEPARATOR = "\u202f"
