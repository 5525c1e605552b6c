"""`flask create-user` without a password invites the user: the mail's link is built outside any request."""

from sqlalchemy import select

from expertpool.models import OutboxMail, User


def test_create_user_without_a_password_mails_an_invitation(app, db):
    result = app.test_cli_runner().invoke(
        args=["create-user", "--email", "nouvelle@example.org", "--name", "Nouvelle", "--role", "coordinator"]
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "nouvelle@example.org"))
    assert user is not None and not user.has_password and user.invited_at is not None
    mail = db.session.scalar(select(OutboxMail).where(OutboxMail.recipient == "nouvelle@example.org"))
    base = app.config["EXPERTPOOL_BASE_URL"].rstrip("/")
    assert mail is not None and f"{base}/" in mail.body
