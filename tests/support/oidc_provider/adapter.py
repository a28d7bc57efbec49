from allauth.idp.oidc.adapter import DefaultOIDCAdapter


class ProviderAdapter(DefaultOIDCAdapter):
    """Sends more than the site under test asks for, as a national identity service would: a postal address
    (of which the site keeps the postcode and locality), a birth date, a phone number and names (which it
    must not keep)."""

    def get_claims(self, purpose, user, client, scopes, email=None, **kwargs):
        claims = super().get_claims(purpose, user, client, scopes, email=email, **kwargs)
        claims.update(
            {
                "name": "Jean Valjean",
                "given_name": "Jean",
                "family_name": "Valjean",
                "birthdate": "1769-01-01",
                "phone_number": "+33 1 23 45 67 89",
                "address": {
                    "street_address": "55 rue Plumet",
                    "postal_code": "75007",
                    "locality": "Paris",
                    "country": "FR",
                },
            }
        )
        return claims
