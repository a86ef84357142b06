"""Who may open each URL: the declarations the access matrix (tests/test_access_matrix.py)
checks every answer against. A URL missing here fails the matrix until it is declared.

Each entry names the identities that get the page (200, or a redirect within the same part of
the site); every other identity must be refused (403, 404, 405, or sent to sign in, to set up
a second factor, or elsewhere). URLs take the objects of candidate A.
"""

from __future__ import annotations

ANONYMOUS = "anonymous"
CANDIDATE_A = "candidate A"
CANDIDATE_B = "candidate B"
PROFESSOR_A = "professor (invited by A)"
PROFESSOR_B = "another professor"
CONTACT = "institution contact"
REVIEWER_OTHER = "reviewer (not assigned to A)"
REVIEWER_A = "reviewer (assigned to A)"
PAYMENTS = "payments officer"
MANAGER = "programme manager"
COMMITTEE = "committee member"
AUDITOR = "auditor"
SUPERUSER = "superuser"
NO_SECOND_FACTOR = "staff without a second factor"

IDENTITIES = [
    ANONYMOUS,
    CANDIDATE_A,
    CANDIDATE_B,
    PROFESSOR_A,
    PROFESSOR_B,
    CONTACT,
    REVIEWER_OTHER,
    REVIEWER_A,
    PAYMENTS,
    MANAGER,
    COMMITTEE,
    AUDITOR,
    SUPERUSER,
    NO_SECOND_FACTOR,
]

EVERYONE = frozenset(IDENTITIES)
NOBODY: frozenset[str] = frozenset()
SIGNED_IN = EVERYONE - {ANONYMOUS}
CANDIDATES = frozenset({CANDIDATE_A, CANDIDATE_B})
PROFESSORS = frozenset({PROFESSOR_A, PROFESSOR_B})
#: Staff past the admin's gate (a second factor).
STAFF = frozenset({REVIEWER_OTHER, REVIEWER_A, PAYMENTS, MANAGER, COMMITTEE, AUDITOR, SUPERUSER})
REVIEWERS = frozenset({REVIEWER_OTHER, REVIEWER_A})


def only(*identities: str) -> frozenset[str]:
    return frozenset(identities)


ADMIN_STAFF_PAGES = STAFF  # every staff member past the second factor
OWNER = only(CANDIDATE_A)
#: Staff who see every dossier (candidates.view_every_dossier), and the superuser.
EVERY_DOSSIER = only(MANAGER, COMMITTEE, AUDITOR, SUPERUSER)

#: Pages outside the admin's model pages. POST-only URLs (405 to a GET) name who would be let
#: through: every other identity's POST must be refused and change nothing.
PAGES: dict[str, frozenset[str]] = {
    # Public pages.
    "healthz": EVERYONE,
    "readyz": EVERYONE,  # readiness: each service's status, nothing personal
    "switch_language": EVERYONE,  # POST only
    "core:landing": EVERYONE,
    "eligibility_check": EVERYONE,
    "core:home": SIGNED_IN,  # sends each kind of account to its own pages
    "core:letter_verify": EVERYONE,  # the public check of a letter's code
    "core:privacy": EVERYONE,  # the privacy policy, from the campaign's retention settings
    # A staff set-up link and an invited address's confirmation link: the link is the
    # credential, whoever opens it (a GET binds nothing).
    "core:staff_setup": EVERYONE,
    "evaluations:confirm_address": EVERYONE,
    # Staff who still need a second factor read the same page with a 403.
    "core:staff_setup_needed": EVERYONE - {NO_SECOND_FACTOR},
    # Accounts (allauth): signing in and up is for the signed out; the account's pages for the
    # signed in; a password reset or an e-mail confirmation link works for anyone who has it.
    "account_login": only(ANONYMOUS),
    "account_signup": only(ANONYMOUS),
    "account_logout": SIGNED_IN,
    "account_inactive": EVERYONE,
    "account_email_verification_sent": EVERYONE,
    "account_confirm_email": EVERYONE,
    "account_reset_password": EVERYONE,
    "account_reset_password_done": EVERYONE,
    "account_reset_password_from_key": EVERYONE,
    "account_reset_password_from_key_done": EVERYONE,
    "account_change_password": SIGNED_IN,
    "account_set_password": SIGNED_IN,
    "account_email": SIGNED_IN,
    "account_reauthenticate": SIGNED_IN,
    "account_request_reauthentication_code": SIGNED_IN,
    "account_confirm_reauthentication_code": SIGNED_IN,
    "account_confirm_login_code": NOBODY,  # only during a sign-in by code
    "mfa_index": SIGNED_IN,
    # "My data": a person's own records (staff read theirs in the admin); erasing is the
    # candidate's, a draft only its owner's.
    "core:session_extend": SIGNED_IN,  # POST only: "Stay signed in", any signed-in page
    "my_data:index": SIGNED_IN - STAFF - {NO_SECOND_FACTOR},
    "my_data:download": SIGNED_IN - STAFF - {NO_SECOND_FACTOR},
    "my_data:dossier_delete": OWNER,  # POST only
    "my_data:account_delete": CANDIDATES,  # POST only
    "my_data:deletion_request": CANDIDATES,  # POST only
    # Staff set up their second factor only from their set-up link (issue 15, hole 1).
    "mfa_activate_totp": SIGNED_IN - STAFF - {NO_SECOND_FACTOR},
    "mfa_generate_recovery_codes": SIGNED_IN,
    "mfa_reauthenticate": SIGNED_IN,
    "mfa_deactivate_totp": STAFF,  # those who have an authenticator
    "mfa_authenticate": NOBODY,  # only during a sign-in, after the password
    "mfa_view_recovery_codes": NOBODY,  # nobody here has recovery codes
    "mfa_download_recovery_codes": NOBODY,
    # The candidate's dossier: their own, through the session (no number in the URL).
    "candidates:dossier": CANDIDATES,
    "candidates:start": CANDIDATES,  # POST only
    "candidates:identity": CANDIDATES,
    "candidates:studies": CANDIDATES,
    "candidates:french": CANDIDATES,
    "candidates:experience": CANDIDATES,
    "candidates:experience_add": CANDIDATES,
    "candidates:assets": CANDIDATES,
    "candidates:couple": CANDIDATES,
    "candidates:documents": CANDIDATES,
    "candidates:document_upload": CANDIDATES,  # POST only
    "candidates:submit": CANDIDATES,
    "candidates:summary": CANDIDATES,
    "candidates:summary_pdf": CANDIDATES,
    "candidates:timeline": CANDIDATES,
    "candidates:section_draft": CANDIDATES,  # POST only: autosave of a section page
    "candidates:section_rules": CANDIDATES,  # POST only: live eligibility of a section page
    "payments:fee": CANDIDATES,
    "evaluations:evaluator": CANDIDATES,
    # A's rows, by their id: A only.
    "candidates:course_add": CANDIDATES,  # POST only
    "candidates:course_delete": OWNER,  # POST only
    "candidates:experience_edit": OWNER,
    "candidates:experience_delete": OWNER,  # POST only
    "candidates:participation_add": CANDIDATES,  # POST only
    "candidates:participation_delete": OWNER,  # POST only
    "evaluations:resend": OWNER,  # POST only
    "evaluations:replace": OWNER,
    # A's document: A, the reviewer assigned to A, staff who see every dossier's documents
    # (not the committee, whose work needs none); a fee receipt would open for the payments
    # officer too (tests/candidates/test_document_scope.py).
    "candidates:document_download": only(CANDIDATE_A, REVIEWER_A, MANAGER, AUDITOR, SUPERUSER),
    # After the results: A's offer and letters.
    "offer:index": OWNER,
    "offer:accept": OWNER,
    "offer:decline": OWNER,
    "offer:withdraw": OWNER,
    "placements_letters:acceptance": OWNER,
    "placements_letters:attestation": OWNER,
    "placements_letters:offer_acceptance": only(
        CANDIDATE_A, MANAGER, COMMITTEE, AUDITOR, SUPERUSER
    ),
    "placements_letters:offer_attestation": only(
        CANDIDATE_A, MANAGER, COMMITTEE, AUDITOR, SUPERUSER
    ),
    # The professor: the link (the signed-out see where to sign in), the request bound to them.
    "evaluations:link": only(ANONYMOUS, PROFESSOR_A),
    "evaluations:requests": PROFESSORS,
    "evaluations:request": only(PROFESSOR_A),
    "evaluations:submit": only(PROFESSOR_A),
    "evaluations:decline": only(PROFESSOR_A),
    # The institution contact.
    "evaluations:institution": only(CONTACT),
    "evaluations:institution_join": only(CONTACT),
    "evaluations:professor_add": only(CONTACT),  # POST only
    "evaluations:professor_toggle": only(CONTACT),  # POST only
    # The review queue: scorers; A's dossier, only to the reviewer assigned to it.
    "selection:queue": only(REVIEWER_OTHER, REVIEWER_A, SUPERUSER),
    "selection:next": only(REVIEWER_OTHER, REVIEWER_A, SUPERUSER),
    # Every reviewer's figures: managers, the committee, auditors; never a (blind) reviewer.
    "selection:statistics": EVERY_DOSSIER,
    "selection:dossier": only(REVIEWER_A),
    "selection:score": only(REVIEWER_A),  # POST only
    "selection:conflict": only(REVIEWER_A),  # POST only
    "selection:document_accept": only(REVIEWER_A),  # POST only
    "selection:document_reject": only(REVIEWER_A),  # POST only
    # The committee's pages.
    "committee:index": EVERY_DOSSIER,
    "committee:round": EVERY_DOSSIER,
    "committee:academies": EVERY_DOSSIER,
    "committee:couples": EVERY_DOSSIER,
    "committee:calibration": EVERY_DOSSIER,
    "committee:export_csv": EVERY_DOSSIER,
    "committee:export_pdf": EVERY_DOSSIER,
    # The campaign's dashboard (aggregates only): those who run the campaign.
    "committee:dashboard": only(MANAGER, SUPERUSER),
    "committee:dashboard_csv": only(MANAGER, SUPERUSER),
    # The hand-off to académies (names and contacts): programme managers.
    "committee:handoff": only(MANAGER, SUPERUSER),
    "committee:handoff_file": only(MANAGER, SUPERUSER),
}

#: Pages whose answer is a redirect to the identity's own part of the site.
DISPATCHERS = frozenset({"core:home", "admin:login"})

#: POST-only pages that answer a GET with 403 rather than 405, whoever asks.
GET_REFUSED = frozenset({"admin:selection_criterion_defaults"})


def model(
    view: frozenset[str],
    *,
    obj: frozenset[str] | None = None,
    add: frozenset[str] = NOBODY,
    delete: frozenset[str] = NOBODY,
) -> dict[str, frozenset[str]]:
    """Who opens the list (`view`), A's object (`obj`, the list's openers by default), the add
    and the delete pages (read-only admin pages: nobody)."""
    return {"list": view, "object": view if obj is None else obj, "add": add, "delete": delete}


SUPER_ONLY = model(only(SUPERUSER), add=only(SUPERUSER), delete=only(SUPERUSER))
READ_ALL = only(MANAGER, AUDITOR, SUPERUSER)
#: A reviewer opens the list (filtered to their dossiers) and A's row when assigned to A.
REVIEWED = only(REVIEWER_OTHER, REVIEWER_A, MANAGER, AUDITOR, SUPERUSER)
REVIEWED_ROW = only(REVIEWER_A, MANAGER, AUDITOR, SUPERUSER)
PAYMENTS_READ = only(PAYMENTS, MANAGER, AUDITOR, SUPERUSER)
COMMITTEE_READ = only(MANAGER, COMMITTEE, AUDITOR, SUPERUSER)
REFERENCE = only(REVIEWER_OTHER, REVIEWER_A, MANAGER, COMMITTEE, AUDITOR, SUPERUSER)
EDITED_BY_MANAGER = {"add": only(MANAGER, SUPERUSER), "delete": only(SUPERUSER)}

#: The admin's model pages, by "app_model": who opens the list, A's object (change page,
#: history), the add page and the delete page. Models with no row of A's name their first row;
#: `NO_ROW` those the matrix's data has none of (their object pages answer "no such object").
ADMIN_MODELS: dict[str, dict[str, frozenset[str]]] = {
    "auth_group": SUPER_ONLY,
    "account_emailaddress": SUPER_ONLY,
    "mfa_authenticator": SUPER_ONLY,
    "core_user": model(only(AUDITOR, SUPERUSER), add=only(SUPERUSER), delete=only(SUPERUSER)),
    "core_campaign": model(REFERENCE | {PAYMENTS}, **EDITED_BY_MANAGER),
    "core_academie": model(REFERENCE, **EDITED_BY_MANAGER),
    "core_institution": model(REFERENCE - {COMMITTEE}, **EDITED_BY_MANAGER),
    "core_academiecutoff": model(COMMITTEE_READ),
    "core_auditentry": model(READ_ALL),
    "core_jobrun": model(READ_ALL),
    "core_outboundmessage": model(READ_ALL),
    "core_issuedletter": model(READ_ALL),
    "candidates_application": model(REVIEWED | {COMMITTEE}, obj=REVIEWED_ROW | {COMMITTEE}),
    "candidates_document": model(REVIEWED, obj=REVIEWED_ROW),
    "candidates_couple": model(REVIEWED, obj=REVIEWED_ROW),
    "candidates_deletionrequest": model(READ_ALL, obj=NOBODY),  # NO_ROW
    "candidates_groupmessage": model(READ_ALL, obj=NOBODY, add=only(MANAGER, SUPERUSER)),  # NO_ROW
    "evaluations_professor": model(READ_ALL),
    "evaluations_institutioncontact": model(READ_ALL),
    "evaluations_evaluationrequest": model(REVIEWED, obj=REVIEWED_ROW),
    "evaluations_evaluation": model(REVIEWED, obj=REVIEWED_ROW),
    "payments_payment": model(PAYMENTS_READ),
    "payments_bankline": model(PAYMENTS_READ),
    "payments_statementimport": model(PAYMENTS_READ, add=only(PAYMENTS, SUPERUSER)),
    "payments_importprofile": model(
        PAYMENTS_READ, add=only(PAYMENTS, SUPERUSER), delete=only(SUPERUSER)
    ),
    "selection_criterion": model(REFERENCE, **EDITED_BY_MANAGER),
    "selection_review": model(REFERENCE, obj=REVIEWED_ROW | {COMMITTEE}),
    "selection_reviewassignment": model(READ_ALL),
    "selection_conflictofinterest": model(READ_ALL),
    "selection_dossierunderreview": model(REFERENCE, obj=REVIEWED_ROW | {COMMITTEE}),
    "placements_selectionround": model(COMMITTEE_READ, add=only(COMMITTEE, SUPERUSER)),
    "placements_rankentry": model(COMMITTEE_READ),
    "placements_resultsrelease": model(COMMITTEE_READ, obj=NOBODY),  # NO_ROW
    "placements_placement": model(COMMITTEE_READ),
    "placements_offer": model(COMMITTEE_READ),
    "placements_promotionlog": model(COMMITTEE_READ, obj=NOBODY),  # NO_ROW
}

#: The admin's own pages and the custom views of its models.
CUSTOM_ADMIN: dict[str, frozenset[str]] = {
    "admin:index": STAFF,
    # Sends the signed out to the site's sign-in page, staff to the admin's index.
    "admin:login": only(ANONYMOUS) | STAFF,
    "admin:logout": STAFF,  # POST only
    "admin:password_change": STAFF,
    "admin:password_change_done": STAFF,
    "admin:jsi18n": STAFF,
    "admin:autocomplete": NOBODY,  # no autocomplete field is declared
    "admin:view_on_site": NOBODY,  # no model has a public page
    "admin:app_list": REVIEWED | {COMMITTEE},  # the candidates app
    "admin:auth_user_password_change": only(SUPERUSER),
    "admin:core_issuedletter_check": READ_ALL,  # not reviewers (issue 15, hole 5)
    "admin:core_jobrun_retention_plan": READ_ALL,  # who reads the scheduled jobs
    # A letter's file: staff who may download a letter of its kind (A's acceptance letter: who
    # reads offers, as placements_letters:offer_acceptance).
    "admin:core_issuedletter_download": COMMITTEE_READ,
    "admin:payments_bankline_assign": only(PAYMENTS, SUPERUSER),
    # Reconciliation reports (CSV): whoever reads the imports.
    "admin:payments_statementimport_report": PAYMENTS_READ,
    "admin:payments_statementimport_campaign_report": PAYMENTS_READ,
    "admin:selection_criterion_defaults": only(MANAGER, SUPERUSER),  # POST only
    "admin:selection_dossierunderreview_export": REFERENCE,  # filtered as the list
    "admin:placements_selectionround_release": only(MANAGER, SUPERUSER),
    "admin:placements_selectionround_release_progress": NOBODY,  # no release under way
    "admin:placements_offer_place": only(MANAGER, COMMITTEE, SUPERUSER),
    "admin:candidates_application_previous_evaluations_import": only(MANAGER, SUPERUSER),
}


def admin_expectations() -> dict[str, frozenset[str]]:
    """ADMIN_MODELS spelled out as the five URLs of each model."""
    expectations = {}
    for key, spec in ADMIN_MODELS.items():
        expectations[f"admin:{key}_changelist"] = spec["list"]
        expectations[f"admin:{key}_change"] = spec["object"]
        expectations[f"admin:{key}_history"] = spec["object"]
        expectations[f"admin:{key}_add"] = spec["add"]
        expectations[f"admin:{key}_delete"] = spec["delete"]
    return expectations
