"""The pages' forms, filled from a JSON body: the API checks input with the very rules (and messages)
of the page that does the same thing."""

from werkzeug.datastructures import MultiDict

__all__ = ["MultiDict", "check", "filled"]

from expertpool.api_problems import ApiProblem, field_error


def filled(form_class, pairs: list[tuple[str, str]], **attributes):
    """An unvalidated page form holding `pairs` (CSRF off: the API authenticates with a token)."""
    form = form_class(formdata=MultiDict(pairs), meta={"csrf": False})
    for name, value in attributes.items():
        setattr(form, name, value)
    return form


def check(form, names: dict[str, str] | None = None):
    """Validate; a 400 problem listing each field's messages (under the API's field names) otherwise."""
    if not form.validate():
        names = names or {}
        errors = [
            field_error(names.get(name, name), message)
            for name, messages in form.errors.items()
            for message in messages
        ]
        raise ApiProblem(400, errors=errors)
    return form
