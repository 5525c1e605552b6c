"""Command-line tools, registered on the app (`flask --app expertpool COMMAND`) and wrapped by the
`expertpool` console script. Commands are thin: they call services and commit once."""

import sys

import click
from flask import Flask
from flask.cli import FlaskGroup, with_appcontext

from expertpool.extensions import db
from expertpool.models import Member, User, UserRole
from expertpool.timeutil import now_utc


@click.command("create-user")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", type=click.Choice([r.value for r in UserRole]), required=True)
@click.option("--member-insee", help="INSEE code of the member structure (member users).")
@click.option("--password", help="Set a password now instead of mailing an invitation.")
@with_appcontext
def create_user_command(email, name, role, member_insee, password):
    """Create an account (and mail an invitation unless --password is given)."""
    from sqlalchemy import select

    from expertpool import accounts, audit
    from expertpool.auth import services

    if accounts.find_user_by_email(email):
        raise click.ClickException(f"a user with email {email} exists already")
    member_id = None
    if role == UserRole.MEMBER:
        member = db.session.scalar(select(Member).where(Member.insee_code == member_insee)) if member_insee else None
        if member is None:
            raise click.ClickException("a member user needs --member-insee naming an existing member")
        member_id = member.id
    now = now_utc()
    if password and services.is_weak_password(password, user_inputs=(email, name)):
        raise click.ClickException(
            f"password too weak: {services.MIN_PASSWORD_LENGTH} characters at least, and hard to guess"
        )
    if password:
        user = User(email=email, name=name, role=role, member_id=member_id, created_at=now)
        db.session.add(user)
        db.session.flush()
        audit.record(
            None,
            "user.create",
            user,
            now=now,
            after=audit.snapshot(user, "email", "role", "member_id"),
            member_id=member_id,
        )
        services.set_password(user, password, actor=None, now=now, action="user.set_password")
    else:
        user = accounts.invite_user(email=email, name=name, role=role, member_id=member_id, actor=None, now=now)
    db.session.commit()
    click.echo(f"created {user.role} {user.email} (id {user.id})")


@click.command("seed-demo")
@click.option("--force", is_flag=True, help="Load even if the database has other accounts (never deletes anything).")
@with_appcontext
def seed_demo_command(force):
    """Load the Finistère demo pool once (idempotent): members, experts, quotas, requests, logins."""
    from expertpool import demo

    created = demo.seed(now=now_utc(), force=force)
    db.session.commit()
    click.echo(
        "demo data loaded"
        if created
        else "nothing changed: the demo is there already, or the database has other accounts (--force)"
    )
    for role, email, password in demo.DEMO_LOGINS:
        click.echo(f"  {role:<12} {email:<34} {password}")


def _engine_command(name: str):
    @click.command(name, context_settings={"ignore_unknown_options": True, "help_option_names": []})
    @click.argument("args", nargs=-1, type=click.UNPROCESSED)
    def command(args):
        from expertpool.allocation.cli import main

        sys.exit(main([name, *args]))

    command.help = f"Allocation engine: {name} (see `python -m expertpool.allocation {name} --help`)."
    return command


def init_app(app: Flask) -> None:
    app.cli.add_command(create_user_command)
    app.cli.add_command(seed_demo_command)
    for name in ("allocate", "check", "generate"):
        app.cli.add_command(_engine_command(name))
    for module_name in (
        "expertpool.jobs",
        "expertpool.tasks",
        "expertpool.planning.commands",
        "expertpool.backup",
        "expertpool.bench",
        "expertpool.privacy.commands",
        "expertpool.api.commands",
        "expertpool.position_store",
    ):
        _register_module_commands(app, module_name)


def _register_module_commands(app: Flask, module_name: str) -> None:
    """Features register their own commands by exposing `COMMANDS` (a list of click commands)."""
    import importlib

    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name != module_name:
            raise
        return
    for command in getattr(module, "COMMANDS", ()):
        app.cli.add_command(command)


def main() -> None:
    """The `expertpool` console script: the same commands as `flask --app expertpool`."""
    from expertpool import create_app

    FlaskGroup(create_app=create_app)(prog_name="expertpool")
