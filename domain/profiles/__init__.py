"""Customer profiles (客户档案): what Kefu holds about a customer, kept correct.

`fields` (pure: a typed name, phone, address or tag checked), `buttons` (the yearly check's
callback data), `view` (the profile as the customer and as staff read it), `checks` (the yearly
"is this still correct?" job), `metrics` (`profiles_confirmed`, for the reports).
"""
