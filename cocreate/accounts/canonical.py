"""The canonical form of an e-mail address: what one mailbox is called whichever way it is written, so that
one mailbox makes one account (models.CanonicalEmail keeps it unique). Only for comparing: the address a
person typed is the one shown and mailed.

Every address is case-folded (mail providers do not tell "Ada@" from "ada@", though the standard allows
them to). Beyond that, only the providers listed here, whose rule is documented by the provider or
followed by its own software, are undone; any other domain may give meaning to dots and "+" (a company's
server can deliver "a.b@" and "ab@" to two people), so its addresses are only case-folded:

- gmail.com, googlemail.com (one mailbox under both names): dots are ignored, and "+anything" is a tag;
- outlook.com, hotmail.com, live.com, msn.com (Microsoft): "+anything" is a tag; dots count;
- fastmail.com, fastmail.fm: "+anything" is a tag;
- icloud.com, me.com, mac.com (Apple): "+anything" is a tag;
- proton.me, protonmail.com, protonmail.ch, pm.me (Proton): "+anything" is a tag, and dots, hyphens and
  underscores are ignored (Proton's own web client compares addresses this way).

Domains are not merged across a provider (a@hotmail.com and a@outlook.com are two mailboxes), except
googlemail.com, Google's other name for gmail.com. Merging too much would refuse an honest citizen; too
little only lets a determined one through, which the fraud review is for.
"""

_SAME_DOMAIN = {"googlemail.com": "gmail.com"}

_RULES: dict[str, tuple[str, frozenset[str]]] = {
    # domain: (the tag separator, the characters ignored in the local part)
    "gmail.com": ("+", frozenset(".")),
    **dict.fromkeys(("outlook.com", "hotmail.com", "live.com", "msn.com"), ("+", frozenset())),
    **dict.fromkeys(("fastmail.com", "fastmail.fm"), ("+", frozenset())),
    **dict.fromkeys(("icloud.com", "me.com", "mac.com"), ("+", frozenset())),
    **dict.fromkeys(("proton.me", "protonmail.com", "protonmail.ch", "pm.me"), ("+", frozenset("._-"))),
}


def canonical_email(address: str) -> str:
    """`address` in its canonical form (see the module's docstring). An address without "@" is only
    case-folded: the forms' validation refuses it before it is ever compared."""
    local, at, domain = address.strip().rpartition("@")
    if not at:
        return address.strip().casefold()
    local, domain = local.casefold(), domain.casefold().rstrip(".")
    domain = _SAME_DOMAIN.get(domain, domain)
    rule = _RULES.get(domain)
    if rule is not None:
        separator, ignored = rule
        local = local.partition(separator)[0]
        local = "".join(c for c in local if c not in ignored)
    return f"{local}@{domain}"
