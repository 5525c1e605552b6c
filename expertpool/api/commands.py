"""`flask --app expertpool api-token create`: a token for a user, printed alone on the last line."""

import click

from expertpool import api_tokens
from expertpool.extensions import db
from expertpool.timeutil import now_utc


@click.group("api-token")
def api_token_group():
    """Personal access tokens of the JSON API."""


@api_token_group.command("create")
@click.option("--email", required=True, help="The user the token acts as.")
@click.option("--scope", "scopes", multiple=True, required=True, type=click.Choice(api_tokens.SCOPES))
@click.option("--days", type=click.IntRange(1, api_tokens.MAX_DAYS), default=api_tokens.DEFAULT_DAYS, show_default=True)
@click.option("--name", default="CLI", show_default=True, help="A name to recognise it by on the profile page.")
def create_command(email, scopes, days, name):
    """Create a token; its secret is printed once, alone on the last line (for scripts)."""
    from expertpool.accounts import find_user_by_email

    user = find_user_by_email(email)
    if user is None or not user.active:
        raise click.ClickException(f"no active user with the email {email}")
    token, secret = api_tokens.create(user, name=name, scopes=list(scopes), days=days, actor=None, now=now_utc())
    db.session.commit()
    click.echo(
        f"Token {token.prefix}… for {user.email}, scopes {' '.join(token.scopes)}, expires {token.expires_at:%Y-%m-%d}."
    )
    click.echo(secret)


COMMANDS = [api_token_group]
