"""The API's documents, as marshmallow schemas: they dump the answers and describe them in OpenAPI.

Quantities are half-days (the stored unit) with their `days` decimal beside; dates are ISO 8601.
"""

from decimal import Decimal

import marshmallow as ma
from marshmallow import fields, validate

from expertpool.envelope.forms import CAP_MAX_HALF_DAYS
from expertpool.models import BookingStatus, EnvelopeReview, Half, RequestStatus, UnavailabilityKind, Urgency
from expertpool.models.request import MAX_HALF_DAYS, MIN_HALF_DAYS

LARGEST_ID = 2**31 - 1
Id = lambda **kw: fields.Integer(validate=validate.Range(min=1, max=LARGEST_ID), **kw)  # noqa: E731


def quantity(half_days: int | None) -> dict | None:
    """A quantity as the API writes it: half-days, and the days they make (2.5)."""
    if half_days is None:
        return None
    return {"half_days": half_days, "days": float(Decimal(half_days) / 2)}


class Quantity(ma.Schema):
    half_days = fields.Integer(required=True)
    days = fields.Float(required=True, metadata={"description": "half_days / 2"})


class QuantityField(fields.Nested):
    """A half-day count dumped as {half_days, days}."""

    def __init__(self, **kwargs):
        super().__init__(Quantity, **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        return quantity(value)


# --- catalogue ------------------------------------------------------------------------------------


class NamedRef(ma.Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)


class RoleOut(ma.Schema):
    id = fields.Integer(required=True)
    code = fields.String(required=True)
    label = fields.String(required=True)


class ExpertOut(ma.Schema):
    id = fields.Integer(required=True)
    display_name = fields.String(required=True)
    bio = fields.String(required=True)
    works_on_site = fields.Boolean(required=True)
    works_remote = fields.Boolean(required=True)
    roles = fields.List(fields.Nested(RoleOut), required=True)
    skills = fields.List(fields.Nested(NamedRef), required=True)


class ExpertFilters(ma.Schema):
    q = fields.String(load_default="", validate=validate.Length(max=200), metadata={"description": "text search"})
    role_id = Id(load_default=None)
    skill_id = Id(load_default=None)
    mode = fields.String(load_default="", validate=validate.OneOf(["", "on_site", "remote"]))


# --- members and positions ------------------------------------------------------------------------


class MemberOut(ma.Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True)
    parent_id = fields.Integer(allow_none=True, required=True)
    siren = fields.String(allow_none=True, required=True)
    population = fields.Integer(allow_none=True, required=True)
    holds_envelope = fields.Boolean(required=True)
    active = fields.Boolean(required=True)


class MemberFilters(ma.Schema):
    q = fields.String(load_default="", validate=validate.Length(max=200))
    kind = fields.String(
        load_default="",
        validate=validate.OneOf(["", "commune", "epci", "association", "school", "hospital", "company", "other"]),
    )
    active = fields.String(load_default="yes", validate=validate.OneOf(["yes", "no", "all"]))


class PositionOut(ma.Schema):
    """The drawing-right position (expertpool.quotas.Position), the one every page reads."""

    total = QuantityField(required=True)
    entitled = QuantityField(required=True)
    carried_over = QuantityField(required=True)
    adjusted = QuantityField(required=True)
    delivered = QuantityField(required=True)
    planned = QuantityField(required=True)
    approved_not_booked = QuantityField(required=True, attribute="approved")
    requested = QuantityField(required=True)
    available = QuantityField(required=True)
    free_after_pending = QuantityField(required=True)
    over_quota = QuantityField(required=True)
    over_quota_price_cents = fields.Integer(required=True)
    unit_price_cents = fields.Integer(required=True)


class PeriodOut(ma.Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    start_date = fields.Date(required=True)
    end_date = fields.Date(required=True)
    status = fields.String(required=True)
    policy = fields.String(required=True)
    unit_price_cents = fields.Integer(required=True)


class MemberPositionOut(ma.Schema):
    member = fields.Nested(MemberOut, required=True)
    period = fields.Nested(PeriodOut, allow_none=True, required=True)
    position = fields.Nested(PositionOut, required=True)
    envelope = fields.Nested(PositionOut, allow_none=True, required=True, metadata={"description": "an EPCI's"})


class MeOut(ma.Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    email = fields.String(required=True)
    role = fields.String(required=True)
    locale = fields.String(required=True)
    member = fields.Nested(MemberOut, allow_none=True, required=True)
    expert_id = fields.Integer(allow_none=True, required=True)
    scopes = fields.List(fields.String(), required=True)


class PositionArgs(ma.Schema):
    period_id = Id(load_default=None)


class AdjustmentIn(ma.Schema):
    period_id = Id(required=True)
    kind = fields.String(load_default="own", validate=validate.OneOf(["own", "envelope"]))
    delta_half_days = fields.Integer(required=True, validate=validate.Range(min=-10_000, max=10_000))
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))


class AdjustmentOut(ma.Schema):
    id = fields.Integer(required=True)
    member_id = fields.Integer(required=True)
    period_id = fields.Integer(required=True)
    kind = fields.String(required=True)
    delta = QuantityField(required=True)
    reason = fields.String(required=True)
    created_at = fields.DateTime(required=True)


# --- requests -------------------------------------------------------------------------------------


class BookingOut(ma.Schema):
    id = fields.Integer(required=True)
    request_id = fields.Integer(required=True)
    expert_id = fields.Integer(required=True)
    date = fields.Date(required=True)
    half = fields.String(required=True, validate=validate.OneOf([h.value for h in Half]))
    status = fields.String(required=True, validate=validate.OneOf([s.value for s in BookingStatus]))
    to_reschedule = fields.Boolean(required=True)
    note = fields.String(required=True)


class RequestOut(ma.Schema):
    id = fields.Integer(required=True)
    member_id = fields.Integer(required=True)
    title = fields.String(required=True)
    description = fields.String(required=True)
    role_id = fields.Integer(required=True)
    preferred_expert_id = fields.Integer(allow_none=True, required=True)
    skill_ids = fields.Pluck(NamedRef, "id", many=True, attribute="skills", required=True)
    status = fields.String(required=True, validate=validate.OneOf([s.value for s in RequestStatus]))
    urgency = fields.String(required=True, validate=validate.OneOf([u.value for u in Urgency]))
    on_site = fields.Boolean(required=True)
    address = fields.String(required=True)
    earliest = fields.Date(required=True)
    deadline = fields.Date(required=True)
    asked = QuantityField(required=True, attribute="half_days")
    approved = QuantityField(required=True, allow_none=True, attribute="approved_half_days")
    over_quota = QuantityField(required=True, attribute="over_quota_half_days")
    approval_note = fields.String(required=True)
    rejection_reason = fields.String(required=True)
    cancellation_reason = fields.String(required=True)
    report = fields.String(required=True)
    rating = fields.Integer(required=True, allow_none=True)
    created_at = fields.DateTime(required=True)
    submitted_at = fields.DateTime(required=True, allow_none=True)
    decided_at = fields.DateTime(required=True, allow_none=True)
    bookings = fields.List(fields.Nested(BookingOut), required=True)


class RequestFilters(ma.Schema):
    status = fields.String(load_default=None, validate=validate.OneOf([s.value for s in RequestStatus]))
    member_id = Id(load_default=None)


class RequestIn(ma.Schema):
    """What the request form asks; checked by the same form as the page (same rules, same messages)."""

    title = fields.String(required=True, validate=validate.Length(max=1000))
    description = fields.String(required=True, validate=validate.Length(max=20_000))
    role_id = Id(load_default=None, allow_none=True)
    preferred_expert_id = Id(load_default=None, allow_none=True)
    skill_ids = fields.List(Id(), load_default=list, validate=validate.Length(max=100))
    half_days = fields.Integer(required=True, validate=validate.Range(min=MIN_HALF_DAYS, max=MAX_HALF_DAYS))
    earliest = fields.Date(required=True)
    deadline = fields.Date(required=True)
    urgency = fields.String(load_default="normal", validate=validate.OneOf([u.value for u in Urgency]))
    on_site = fields.Boolean(load_default=True)
    address = fields.String(load_default="", validate=validate.Length(max=2000))
    accept_quote = fields.Boolean(
        load_default=False, metadata={"description": "accept the quote of the part beyond the drawing right"}
    )
    send = fields.Boolean(load_default=False, metadata={"description": "send to the coordinators (else a draft)"})


class SendIn(ma.Schema):
    accept_quote = fields.Boolean(load_default=False)


class CancelIn(ma.Schema):
    reason = fields.String(load_default="", validate=validate.Length(max=1000))


class RatingIn(ma.Schema):
    rating = fields.Integer(required=True, validate=validate.Range(min=1, max=5))
    comment = fields.String(load_default="", validate=validate.Length(max=2000))


class MessageIn(ma.Schema):
    body = fields.String(required=True, validate=validate.Length(min=1, max=5000))


class MessageOut(ma.Schema):
    id = fields.Integer(required=True)
    author_id = fields.Integer(required=True, allow_none=True)
    body = fields.String(required=True)
    created_at = fields.DateTime(required=True)


class ApproveIn(ma.Schema):
    half_days = fields.Integer(
        load_default=None, allow_none=True, validate=validate.Range(min=MIN_HALF_DAYS, max=MAX_HALF_DAYS)
    )
    note = fields.String(load_default="", validate=validate.Length(max=2000))


class RejectIn(ma.Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class AskIn(ma.Schema):
    message = fields.String(required=True, validate=validate.Length(min=1, max=5000))


# --- an EPCI's envelope ---------------------------------------------------------------------------


class EnvelopeDrawOut(ma.Schema):
    """A commune's request drawing on its EPCI's envelope, and the EPCI's decision on that draw."""

    request = fields.Nested(RequestOut, required=True)
    commune = fields.Nested(NamedRef, required=True)
    review = fields.String(required=True, allow_none=True, validate=validate.OneOf([r.value for r in EnvelopeReview]))
    reason = fields.String(required=True, metadata={"description": "why the EPCI refused the draw"})
    reviewed_at = fields.DateTime(required=True, allow_none=True)
    own = QuantityField(required=True, metadata={"description": "covered by the commune's own right"})
    envelope = QuantityField(required=True, metadata={"description": "drawn on the EPCI's envelope"})
    over = QuantityField(required=True, metadata={"description": "beyond both (billable)"})


class ApprovalSettingOut(ma.Schema):
    epci = fields.Nested(NamedRef, required=True)
    draws_need_approval = fields.Boolean(
        required=True, metadata={"description": "each draw of a commune on the envelope waits for the EPCI"}
    )


class ApprovalSettingIn(ma.Schema):
    draws_need_approval = fields.Boolean(
        required=True, metadata={"description": "false: the draws waiting for the EPCI go to the coordinators"}
    )


class RefuseDrawIn(ma.Schema):
    reason = fields.String(required=True, validate=validate.Length(max=2000))


class CapArgs(ma.Schema):
    period_id = Id(load_default=None, metadata={"description": "the current period by default"})


class CapOut(ma.Schema):
    """A commune's cap on its EPCI's envelope for a period, and what it drew on the envelope."""

    commune = fields.Nested(NamedRef, required=True)
    epci = fields.Nested(NamedRef, required=True)
    period = fields.Nested(PeriodOut, required=True)
    cap = QuantityField(required=True, allow_none=True, metadata={"description": "null: no cap"})
    drawn = QuantityField(required=True)
    cap_left = QuantityField(required=True, allow_none=True)


class CapIn(ma.Schema):
    period_id = Id(required=True)
    cap_half_days = fields.Integer(
        required=True,
        allow_none=True,
        validate=validate.Range(min=0, max=CAP_MAX_HALF_DAYS),
        metadata={"description": "null removes the cap"},
    )


# --- agenda ---------------------------------------------------------------------------------------


class AgendaArgs(ma.Schema):
    start = fields.Date(load_default=None)
    end = fields.Date(load_default=None)


class UnavailabilityIn(ma.Schema):
    start_date = fields.Date(required=True)
    end_date = fields.Date(required=True)
    half = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(["am", "pm"]))
    kind = fields.String(required=True, validate=validate.OneOf([k.value for k in UnavailabilityKind]))
    reason = fields.String(load_default="", validate=validate.Length(max=500))


class UnavailabilityOut(ma.Schema):
    id = fields.Integer(required=True)
    expert_id = fields.Integer(required=True)
    start_date = fields.Date(required=True)
    end_date = fields.Date(required=True)
    half = fields.String(required=True, allow_none=True)
    kind = fields.String(required=True)
    reason = fields.String(required=True)


class DeliveryIn(ma.Schema):
    delivered = fields.Boolean(required=True)
    note = fields.String(load_default="", validate=validate.Length(max=1000))


class ReportIn(ma.Schema):
    report = fields.String(required=True, validate=validate.Length(max=20_000))


# --- planning and reports -------------------------------------------------------------------------


class RunIn(ma.Schema):
    horizon_start = fields.Date(load_default=None)
    weeks = fields.Integer(load_default=None, validate=validate.Range(min=1, max=26))


class RunOut(ma.Schema):
    id = fields.Integer(required=True)
    mode = fields.String(required=True)
    status = fields.String(required=True)
    horizon_start = fields.Date(required=True)
    horizon_end = fields.Date(required=True)
    started_at = fields.DateTime(required=True)
    finished_at = fields.DateTime(required=True, allow_none=True)
    booked = QuantityField(required=True, attribute="booked_half_days")
    unserved = QuantityField(required=True, attribute="unserved_half_days")


class StatementLineOut(ma.Schema):
    date = fields.Date(required=True, attribute="day")
    half = fields.String(required=True)
    expert = fields.String(required=True)
    request_id = fields.Integer(required=True)
    request_title = fields.String(required=True)


class StatementItemOut(ma.Schema):
    key = fields.String(required=True)
    label = fields.String(required=True)
    value = fields.Integer(required=True)
    kind = fields.String(required=True, metadata={"description": "days (half-days) or money (cents)"})


class StatementOut(ma.Schema):
    member = fields.Nested(MemberOut, required=True)
    period = fields.Nested(PeriodOut, required=True)
    unit_price_cents = fields.Integer(required=True)
    summary = fields.List(fields.Nested(StatementItemOut), required=True)
    billing_rule = fields.String(required=True)
    legal_basis = fields.String(required=True)
    lines = fields.List(fields.Nested(StatementLineOut), required=True)


class DatasetArgs(ma.Schema):
    period_id = Id(load_default=None)
    member_id = Id(load_default=None)


class DatasetOut(ma.Schema):
    name = fields.String(required=True)
    columns = fields.List(fields.String(), required=True)
    kinds = fields.List(fields.String(), required=True)
    rows = fields.List(fields.List(fields.Raw(allow_none=True)), required=True)
