"""Reply templates: named texts per language that staff send with /reply, filled in.

`placeholders` (pure: names, checking and filling texts), `buttons` (the /reply picker's
callback data), `reply` (a template composed for one ticket's customer and sent as a staff
reply).
"""
