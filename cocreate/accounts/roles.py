"""The role groups' names. Citizens need none; moderators and officials are members of these groups, which
get into the Wagtail admin at /cms/ (cms.roles gives them their permissions there). Who may do what with a
role is said once, in proposals.permissions.
"""

MODERATORS_GROUP = "Moderators"
OFFICIALS_GROUP = "Officials"
