"""The JSON API (`/api/v1`, OpenAPI 3.1): personal access tokens with scopes, over the pages' services and rules."""
