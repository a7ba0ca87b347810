"""The pages where quality-group members and managers make and revoke their personal API keys
(/konto/api-nokler). The API that the keys open is ``feedback.api``."""
