"""Writes of the mediation room: open a case, move it along MOVES, watch its time limits."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from community.errors import Conflict, DomainError, NotAllowed
from community.images import clean_photo
from community.models import Community, Membership, Role, User
from community.services import DigestItem, notify, notify_digest
from grids.models import Resident
from mediation.models import (
    CASE_LIMIT,
    MOVES,
    Agreement,
    AgreementKind,
    CaseAction,
    CaseEvent,
    CaseParty,
    CaseStatus,
    FollowUp,
    MediationCase,
    MediationSession,
    PartyRole,
    Source,
)
from petitions.models import Petition

# The mediators hear of a case this many days before its time limit.
LIMIT_WARNING = timedelta(days=5)


@dataclass(frozen=True)
class PartyInput:
    role: str
    name: str
    phone: str = ""
    address: str = ""
    resident: Resident | None = None


def _people(community_id: int, roles: list[str]) -> list[User]:
    """The community's active people in ``roles`` (one query)."""
    ids = Membership.objects.active().filter(community=community_id, role__in=roles).values("user")
    return list(User.objects.filter(pk__in=ids, is_active=True))


def _is_staff(user: User, community_id: int) -> bool:
    return any(
        m.role in (Role.MEDIATOR, Role.SECRETARY) and m.community_id == community_id
        for m in user.active_memberships
    )


def _tell(people: Iterable[User], case: MediationCase, title: Any, key: str, **params: Any) -> None:
    for person in {p.pk: p for p in people}.values():
        notify(
            recipient=person,
            kind="mediation",
            title=title,
            params={"number": case.number, **params},
            link=reverse("mediation:detail", args=[case.pk]),
            key=f"mediation:{case.pk}:{key}",
        )


def case_open(
    *,
    actor: User,
    community: Community,
    source: str,
    dispute_type: str,
    facts: str,
    parties: list[PartyInput],
    mediators: list[User] | None = None,
    petition: Petition | None = None,
    referred_by: User | None = None,
    token: uuid.UUID | None = None,
) -> MediationCase:
    """Open a case with its parties and mediators (one case per form token).

    Steps: the actor is a mediator or the secretary of the community; two or
    more named parties; mediators are the community's mediators or secretary
    (the actor when none are named); a request must be of this community and
    not already a case; then, in one transaction, the case, its number, the
    parties, the mediators and the opening event.
    """
    token = token or uuid.uuid4()
    earlier = MediationCase.objects.filter(opened_by=actor, client_token=token).first()
    if earlier is not None:
        return earlier
    if not _is_staff(actor, community.pk):
        raise NotAllowed(_("Only the community's mediators and secretary open cases."))
    named = [p for p in parties if p.name.strip()]
    if len(named) < 2:
        raise DomainError(_("A dispute has at least two parties: name them both."))
    if any(p.role not in PartyRole.values for p in named):
        raise DomainError(_("Choose each party's role from the list."))
    if not facts.strip():
        raise DomainError(_("Say what happened."))
    chosen = mediators or [actor]
    if not all(_is_staff(m, community.pk) for m in chosen):
        raise DomainError(_("Mediators are the community's mediators or its secretary."))
    if petition is not None:
        if petition.community_id != community.pk:
            raise DomainError(_("That request is of another community."))
        if MediationCase.objects.filter(petition=petition).exists():
            raise Conflict(_("That request already has a mediation case."))
        source = Source.PETITION
    today = timezone.localdate()
    try:
        with transaction.atomic():
            case = MediationCase.objects.create(
                number=f"~{token.hex[:18]}",
                community=community,
                source=source,
                petition=petition,
                referred_by=referred_by,
                dispute_type=dispute_type,
                facts=facts.strip(),
                opened_on=today,
                due_on=today + CASE_LIMIT,
                opened_by=actor,
                client_token=token,
            )
            case.number = f"TJ{today:%Y}-{case.pk:04d}"
            case.save(update_fields=["number"])
            for p in named:
                # A party who lives in the community is found by their number, so
                # that one with a portal account can follow the outcome.
                resident = p.resident or (
                    Resident.objects.filter(
                        phone=p.phone.strip(), household__unit__building__community=community
                    ).first()
                    if p.phone.strip()
                    else None
                )
                CaseParty.objects.create(
                    case=case,
                    role=p.role,
                    name=p.name.strip()[:50],
                    phone=p.phone.strip()[:20],
                    address=p.address.strip()[:200],
                    resident=resident,
                    user=resident.user if resident is not None else None,
                )
            case.mediators.set(chosen)
            CaseEvent.objects.create(
                case=case, action=CaseAction.OPEN, actor=actor, to_status=CaseStatus.OPEN
            )
    except IntegrityError:
        earlier = MediationCase.objects.filter(opened_by=actor, client_token=token).first()
        if earlier is None:
            raise
        return earlier
    return case


# --- Moves ------------------------------------------------------------------------------


@dataclass
class Ctx:
    case: MediationCase
    actor: User | None
    today: date
    note: str
    fields: dict[str, Any]
    data: dict[str, Any] = field(default_factory=dict)


def _date(c: Ctx, name: str, message: Any) -> date:
    value = c.fields.get(name)
    if not isinstance(value, date):
        raise DomainError(message)
    return value


def _need_note(c: Ctx, message: Any) -> None:
    if not c.note:
        raise DomainError(message)


def _session(c: Ctx) -> None:
    held_on = _date(c, "held_on", _("Give the date of the session."))
    if held_on < c.case.opened_on:
        raise DomainError(_("A session cannot be before the case was opened."))
    if held_on > c.today:
        raise DomainError(_("A session cannot be in the future."))
    record = str(c.fields.get("record") or "").strip()
    if not record:
        raise DomainError(_("Write down what was said."))
    scan = c.fields.get("signature_scan")
    session = MediationSession(
        case=c.case,
        held_on=held_on,
        place=str(c.fields.get("place") or "").strip()[:100] or str(_("Mediation room")),
        attendees=str(c.fields.get("attendees") or "").strip()[:500],
        record=record,
        proposals=str(c.fields.get("proposals") or "").strip(),
        recorded_by=c.actor,
    )
    if isinstance(scan, UploadedFile):
        session.signature_scan.save("scan.jpg", clean_photo(scan).content, save=False)
    session.save()


def _agree(c: Ctx) -> None:
    kind = c.fields.get("kind")
    if kind not in AgreementKind.values:
        raise DomainError(_("Choose a written or an oral agreement."))
    perform_by = c.fields.get("perform_by")
    if not isinstance(perform_by, date):
        raise DomainError(_("An agreement needs the date by which it is carried out."))
    agreed_on = c.fields.get("agreed_on") or c.today
    if agreed_on < c.case.opened_on or agreed_on > c.today:
        raise DomainError(_("The agreement date must be between the opening and today."))
    if perform_by < agreed_on:
        raise DomainError(_("It cannot be carried out before it was agreed."))
    terms = str(c.fields.get("terms") or "").strip()
    performance = str(c.fields.get("performance") or "").strip()
    if not terms or not performance:
        raise DomainError(_("Write what was agreed, and how and where it is carried out."))
    Agreement.objects.create(
        case=c.case,
        kind=kind,
        facts=str(c.fields.get("facts") or c.case.facts).strip(),
        terms=terms,
        performance=performance[:500],
        perform_by=perform_by,
        agreed_on=agreed_on,
    )
    # The first follow-up visit: the day after it should have been carried out.
    FollowUp.objects.create(case=c.case, due_on=perform_by + timedelta(days=1))
    c.case.outcome_note = terms
    c.data["perform_by"] = perform_by.isoformat()


def _no_agreement(c: Ctx) -> None:
    _need_note(c, _("Write the advice given on other channels (court, arbitration …)."))
    c.case.outcome_note = c.note


def _refer(c: Ctx) -> None:
    _need_note(c, _("Say where the case was referred."))
    c.case.outcome_note = c.note


def _follow_up(c: Ctx) -> None:
    _need_note(c, _("Write what the follow-up visit found."))
    carried_out = c.fields.get("carried_out")
    if carried_out not in (True, False):
        raise DomainError(_("Say whether the agreement is being carried out."))
    visit = c.case.follow_ups.filter(done_on__isnull=True).order_by("due_on").first()
    if visit is None:
        visit = FollowUp(case=c.case, due_on=c.today)
    visit.done_on = c.today
    visit.carried_out = carried_out
    visit.note = c.note
    visit.visited_by = c.actor
    visit.save()
    next_due = c.fields.get("next_due")
    if isinstance(next_due, date):
        if next_due <= c.today:
            raise DomainError(_("The next visit must be after today."))
        FollowUp.objects.create(case=c.case, due_on=next_due)
    c.data["carried_out"] = carried_out


def _close(c: Ctx) -> None:
    c.case.closed_on = c.today
    c.case.follow_ups.filter(done_on__isnull=True).delete()


def _extend(c: Ctx) -> None:
    _need_note(c, _("Give the reason for more time."))
    until = _date(c, "until", _("Give the new date to close by."))
    if until <= c.case.due_on:
        raise DomainError(_("The new date must be later than %(date)s.") % {"date": c.case.due_on})
    c.data["from"], c.data["to"] = c.case.due_on.isoformat(), until.isoformat()
    c.case.due_on = until
    c.case.limit_warned = False


def _flag_risk(c: Ctx) -> None:
    _need_note(c, _("Say what makes the dispute likely to escalate."))
    c.case.risk = True
    c.case.risk_note = c.note[:500]


def _confirmation(c: Ctx) -> None:
    agreement = getattr(c.case, "agreement", None)
    if agreement is None or agreement.kind != AgreementKind.WRITTEN:
        raise DomainError(_("Only a written agreement can be confirmed by a court."))
    agreement.confirmation_applied = bool(c.fields.get("applied"))
    agreement.confirmation_result = str(c.fields.get("result") or "").strip()[:200]
    agreement.save(update_fields=["confirmation_applied", "confirmation_result"])


def _limit_near(c: Ctx) -> None:
    if c.case.limit_warned:
        raise _NoOp
    c.case.limit_warned = True


class _NoOp(Exception):
    pass


APPLY: dict[str, Callable[[Ctx], None]] = {
    CaseAction.SESSION: _session,
    CaseAction.AGREE: _agree,
    CaseAction.NO_AGREEMENT: _no_agreement,
    CaseAction.REFER: _refer,
    CaseAction.FOLLOW_UP: _follow_up,
    CaseAction.CLOSE: _close,
    CaseAction.EXTEND: _extend,
    CaseAction.FLAG_RISK: _flag_risk,
    CaseAction.CONFIRMATION: _confirmation,
    CaseAction.LIMIT_NEAR: _limit_near,
}


def allowed_actions(case: MediationCase, user: User) -> list[str]:
    """The moves the page offers this person now (staff only; parties only read)."""
    if not _is_staff(user, case.community_id):
        return []
    return [
        a
        for a, (sources, _to) in MOVES.items()
        if case.status in sources
        and a != CaseAction.LIMIT_NEAR
        and not (a == CaseAction.FLAG_RISK and case.risk)
        and not (
            a == CaseAction.CONFIRMATION
            and getattr(getattr(case, "agreement", None), "kind", "") != AgreementKind.WRITTEN
        )
    ]


def case_move(
    *,
    case: MediationCase,
    actor: User | None,
    action: str,
    version: int | None = None,
    note: str = "",
    **fields: Any,
) -> MediationCase:
    """Move a case one step along ``MOVES`` (see ``case_step``)."""
    return case_step(case=case, actor=actor, action=action, version=version, note=note, **fields)[0]


def case_step(
    *,
    case: MediationCase,
    actor: User | None,
    action: str,
    version: int | None = None,
    note: str = "",
    **fields: Any,
) -> tuple[MediationCase, CaseEvent | None]:
    """Move a case one step; returns it and the event (None when nothing was done).

    ``actor`` None is the beat watch.

    Steps: lock the case; a page drawn from an older version, or a move the
    status does not allow, is a Conflict; the actor must be the community's
    mediator or secretary; the move's own function checks its fields and
    writes what belongs to it (session, agreement, follow-up); save with the
    version bumped; write the event; tell whom the move concerns. A refusal
    raises inside the transaction, so nothing is half-saved.
    """
    if action not in MOVES:
        raise DomainError(_("Unknown action."))
    sources, target = MOVES[action]
    with transaction.atomic():
        locked = MediationCase.objects.select_for_update().get(pk=case.pk)
        if version is not None and version != locked.version:
            raise Conflict(_("This case changed while you had it open. Reload the page."))
        if locked.status not in sources:
            raise Conflict(
                _("“%(action)s” is not possible while the case is “%(status)s”.")
                % {"action": CaseAction(action).label, "status": locked.get_status_display()}
            )
        if actor is not None and not _is_staff(actor, locked.community_id):
            raise NotAllowed(_("Only the community's mediators and secretary work on cases."))
        if actor is None and action != CaseAction.LIMIT_NEAR:
            raise NotAllowed(_("Only a person can do this."))
        ctx = Ctx(
            case=locked, actor=actor, today=timezone.localdate(), note=note.strip(), fields=fields
        )
        from_status = locked.status
        try:
            APPLY[action](ctx)
        except _NoOp:
            return locked, None
        locked.status = target or from_status
        if action != CaseAction.LIMIT_NEAR:
            locked.version += 1
        locked.save()
        event = CaseEvent.objects.create(
            case=locked,
            action=action,
            actor=actor,
            from_status=from_status,
            to_status=locked.status,
            note=ctx.note,
        )
        if action == CaseAction.FLAG_RISK:
            _tell(
                _people(locked.community_id, [Role.SECRETARY]),
                locked,
                _("Case %(number)s may escalate"),
                f"event:{event.pk}",
            )
        elif action == CaseAction.LIMIT_NEAR:
            _tell(
                locked.mediators.all(),
                locked,
                _("Case %(number)s should close by %(date)s"),
                f"event:{event.pk}",
                date=locked.due_on,
            )
    return locked, event


FOLLOW_UP_DIGEST = ngettext_lazy(
    "%(count)d follow-up visit is due: %(items)s",
    "%(count)d follow-up visits are due: %(items)s",
    "count",
)
FOLLOW_UP_LINE = _("case %(number)s (%(date)s)")


@dataclass
class WatchCounts:
    limits: int = 0
    follow_ups: int = 0


def mediation_watch(today: date | None = None) -> WatchCounts:
    """Beat, daily: cases nearing their month, and follow-up visits that are due."""
    today = today or timezone.localdate()
    counts = WatchCounts()
    near = MediationCase.objects.filter(
        status__in=[CaseStatus.OPEN, CaseStatus.IN_MEDIATION],
        limit_warned=False,
        due_on__lte=today + LIMIT_WARNING,
    )
    for case in near[:500]:
        try:
            _case, event = case_step(case=case, actor=None, action=CaseAction.LIMIT_NEAR)
        except DomainError:
            continue  # moved on meanwhile
        counts.limits += event is not None
    due = FollowUp.objects.filter(done_on__isnull=True, reminded=False, due_on__lte=today).exclude(
        case__status=CaseStatus.CLOSED
    )
    # Claimed under a row lock, in the same transaction as the messages: two
    # beats never remind twice (the second waits, then finds them reminded),
    # and a failed message un-claims them. One digest per mediator per run.
    with transaction.atomic():
        visits = list(
            due.select_for_update(of=("self",))
            .select_related("case")
            .prefetch_related("case__mediators")
            .order_by("due_on", "pk")[:500]
        )
        FollowUp.objects.filter(pk__in=[v.pk for v in visits]).update(reminded=True)
        per_mediator: dict[int, tuple[User, list[DigestItem], set[int]]] = {}
        for visit in visits:
            item = DigestItem(
                f"mediation:follow-up:{visit.pk}",
                FOLLOW_UP_LINE,
                {"number": visit.case.number, "date": visit.due_on},
            )
            for mediator in visit.case.mediators.all():
                _person, items, cases = per_mediator.setdefault(mediator.pk, (mediator, [], set()))
                items.append(item)
                cases.add(visit.case_id)
        for mediator, items, cases in per_mediator.values():
            notify_digest(
                recipient=mediator,
                kind="mediation",
                title=FOLLOW_UP_DIGEST,
                items=items,
                # One case: the case itself; several: the mediator's list.
                link=(
                    reverse("mediation:detail", args=[next(iter(cases))])
                    if len(cases) == 1
                    else reverse("mediation:list")
                ),
                key="mediation:follow-ups",
            )
        counts.follow_ups += len(visits)
    return counts
