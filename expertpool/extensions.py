"""Unbound extension objects; `create_app` binds them. Nothing here reads configuration."""

from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from expertpool.models.base import Base

# Models subclass `Base` (typed SQLAlchemy 2 declarative); the extension shares its metadata.
db = SQLAlchemy(metadata=Base.metadata)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
