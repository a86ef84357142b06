"""Complete sample dossiers for `make demo`, filled through the services as a candidate would.

`demo_dossier` creates a candidate account (e-mail already confirmed) and a draft dossier with
every section and document, proving French by an official test. The fee is left to the caller
(`demo.fees` declares it), and so is the submission. The files come from `demo.files`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from allauth.account.models import EmailAddress
from django.utils import timezone

from candidates import services
from candidates.choices import (
    Citizenship,
    DocumentKind,
    EnrolmentStatus,
    ExperienceKind,
    FrenchProofRoute,
    FrenchStudy,
    SchoolLevelWish,
    Sex,
)
from candidates.models import Application, Experience
from demo.files import demo_pdf_upload, demo_png_upload
from tapif.core.choices import UserKind
from tapif.core.models import Academie, Campaign, Institution, User

# The motivation letter, paragraph by paragraph; {placeholders} make each candidate's their own.
_LETTER = (
    "Madame, Monsieur,\n\n"
    "Je vous écris pour présenter ma candidature au programme d’assistants de langue anglaise en "
    "France. Je termine actuellement mon baccalauréat ({programme}) à {university}, et je souhaite "
    "consacrer l’année qui vient à l’enseignement de ma langue maternelle auprès d’élèves "
    "français. Ce programme représente pour moi l’occasion idéale de relier mes études, mon goût "
    "pour la transmission et mon attachement profond à la langue française.",
    "Depuis le début de mon parcours universitaire, le français occupe une place centrale dans "
    "ma vie. J’ai suivi des cours de littérature, de linguistique et de traduction qui m’ont "
    "appris à observer la langue avec précision. J’ai obtenu le {test} de niveau {level}, ce qui "
    "confirme que je peux communiquer avec aisance avec les enseignants, les familles et "
    "l’équipe administrative d’un établissement. Je continue pourtant à lire la presse française "
    "chaque jour et à écouter des balados pour enrichir mon vocabulaire.",
    "Mon expérience auprès des jeunes me donne confiance. Pendant deux ans, j’ai travaillé comme "
    "{role} dans un centre communautaire {of_city}, où j’accompagnais des élèves de niveaux "
    "très différents. J’ai "
    "appris à préparer des activités courtes et variées, à encourager les élèves timides à "
    "prendre la parole et à adapter mes explications lorsque la première ne suffisait pas. Cette "
    "expérience m’a montré qu’un climat de confiance compte autant que la qualité des supports.",
    "En classe, je souhaite proposer une langue vivante, utile et proche des centres d’intérêt "
    "des élèves. J’imagine des jeux de rôle, des chansons, de courtes vidéos et des échanges de "
    "lettres avec une école de ma province. Je voudrais aussi faire découvrir le Canada dans sa "
    "diversité : ses régions, ses peuples autochtones, son bilinguisme et ses fêtes. Je sais que "
    "l’assistant travaille sous la responsabilité du professeur, et je serai {heureux} "
    "de suivre ses consignes tout en apportant mes idées.",
    "J’ai placé l’académie {of_academie} en premier choix, car la région m’attire par son "
    "histoire, ses paysages et sa vie culturelle. Je reste néanmoins {ouvert} à toute "
    "affectation : ce qui compte le plus pour moi, c’est de rejoindre une équipe pédagogique et "
    "de m’intégrer dans la vie locale. Je serai disponible dès le début du contrat et je me "
    "prépare déjà aux démarches pratiques, du logement à l’ouverture d’un compte bancaire.",
    "À plus long terme, je souhaite devenir {enseignant} de langue au Canada. Une "
    "année en France me permettrait d’observer d’autres méthodes, de comprendre le "
    "fonctionnement d’un système éducatif différent et de perfectionner mon français au "
    "quotidien. Je suis {convaincu} que cette expérience fera de moi {pedagogue} plus à l’écoute "
    "de chaque élève et {ambassadeur} de la langue anglaise.",
    "Vivre à l’étranger ne m’effraie pas : j’ai déjà passé un été au Québec dans une famille "
    "d’accueil, et j’y ai appris à m’adapter vite, à demander de l’aide quand il le faut et à "
    "apprécier les petites différences de la vie quotidienne. Je sais que les premières semaines "
    "demandent de la patience, et je m’y prépare avec curiosité.",
    "Je vous remercie de l’attention que vous porterez à ma candidature et je reste à votre "
    "disposition pour tout renseignement complémentaire. Je vous prie d’agréer, Madame, "
    "Monsieur, l’expression de mes salutations distinguées.\n\n{name}",
)


_AGREEMENT = {
    # The letter's words that agree with its writer: masculine, feminine.
    "heureux": ("heureux", "heureuse"),
    "ouvert": ("ouvert", "ouverte"),
    "enseignant": ("enseignant", "enseignante"),
    "convaincu": ("convaincu", "convaincue"),
    "pedagogue": ("un pédagogue", "une pédagogue"),
    "ambassadeur": ("un meilleur ambassadeur", "une meilleure ambassadrice"),
    "tuteur": ("tuteur", "tutrice"),
}


def _of(name: str) -> str:
    """« de Lyon », « d’Amiens »: the French preposition before a place name."""
    return ("d’" if name[:1].upper() in "AEIOUYÉÎH" else "de ") + name


def demo_letter(*, sex: str, **details: str) -> str:
    """A plausible French motivation letter of about 500 words, with the candidate's details."""
    feminine = sex == Sex.FEMALE
    words = {key: forms[feminine] for key, forms in _AGREEMENT.items()}
    words["role"] = details.pop("role", "").format(**words)
    words["of_academie"] = _of(details.pop("academie"))
    words["of_city"] = _of(details.pop("city"))
    return "\n\n".join(paragraph.format(**words, **details) for paragraph in _LETTER)


def _candidate(email: str, password: str, first_name: str, last_name: str, language: str) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(
            email,
            password,
            first_name=first_name,
            last_name=last_name,
            kind=UserKind.CANDIDATE,
            preferred_language=language,
        )
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user


def demo_dossier(
    campaign: Campaign,
    *,
    email: str,
    first_name: str,
    last_name: str,
    password: str,
    sex: str = Sex.FEMALE,
    city: str = "Ottawa",
    province: str = "ON",
    postal_code: str = "K1N 6N5",
    institution: Institution | None = None,
    programme: str = "BA French studies",
    academies: Sequence[Academie] = (),
    test_name: str = "DELF",
    test_level: str = "B2",
    age: int = 22,
    language: str = "fr",
) -> Application:
    """A candidate account and a complete draft dossier (fee not declared, not submitted).

    Idempotent: when the candidate already has a dossier for the campaign it is returned as it
    is. Everything goes through `candidates.services`; the documents (passport, transcripts,
    birth certificate, French test certificate) are stored in the private storage.
    """
    candidate = _candidate(email, password, first_name, last_name, language)
    existing = Application.objects.filter(candidate=candidate, campaign=campaign).first()
    if existing is not None:
        return existing
    application = services.application_create(candidate=candidate, campaign=campaign)
    today = timezone.localdate()
    born = campaign.contract_start.replace(year=campaign.contract_start.year - age - 1)
    institution = institution or Institution.objects.filter(status="approved").first()
    academies = list(academies) or list(Academie.objects.filter(is_active=True).order_by("name"))
    academies = [*academies, None, None][:3]
    sections = {
        "identity": {
            "legal_first_names": first_name,
            "legal_last_name": last_name,
            "date_of_birth": born + dt.timedelta(days=40),
            "place_of_birth": city,
            "country_of_birth": "CA",
            "sex": sex,
            "citizenship": Citizenship.CANADIAN,
            "resides_in_canada": True,
            "address_line": "120 rue Principale",
            "city": city,
            "province": province,
            "postal_code": postal_code,
            "country": "CA",
            "phone": "613 555 0142",
        },
        "studies": {
            "enrolment_status": EnrolmentStatus.ENROLLED,
            "institution": institution,
            "programme": programme,
            "french_study": FrenchStudy.MAJOR,
            "university_years_completed": 3,
            "has_education_degree": False,
            "studies_mostly_in_canada": True,
        },
        "french": {
            "proof_route": FrenchProofRoute.OFFICIAL_TEST,
            "test_name": test_name,
            "test_level": test_level,
            # Results already in, and before the campaign's deadline for them.
            "test_date": min(today, campaign.language_test_deadline) - dt.timedelta(days=75),
        },
        "assets": {
            "motivation_letter": demo_letter(
                sex=sex,
                programme=programme,
                university=institution.name if institution else "mon université",
                test=test_name,
                level=test_level,
                role="{tuteur} d’anglais",
                city=city,
                academie=academies[0].name if academies[0] else "Lyon",
                name=f"{first_name} {last_name}",
            ),
            "academie_1": academies[0],
            "academie_2": academies[1],
            "academie_3": academies[2],
            "school_level": SchoolLevelWish.EITHER,
            "available_from_contract_start": True,
        },
    }
    for section, data in sections.items():
        services.section_update(
            application=application, section=section, data=data, actor=candidate
        )
    services.item_save(
        application=application,
        instance=Experience(
            kind=ExperienceKind.TEACHING,
            role="English tutor",
            organisation=f"Community learning centre, {city}",
            country="CA",
            start_date=today.replace(year=today.year - 2, day=1),
            end_date=today.replace(day=1) - dt.timedelta(days=1),
            hours_per_week=6,
            description="Weekly English conversation and homework help for pupils aged 11 to 15.",
        ),
        actor=candidate,
    )
    documents = [
        (DocumentKind.PASSPORT, demo_png_upload("passport.png")),
        (DocumentKind.TRANSCRIPTS, demo_pdf_upload("transcripts.pdf")),
        (DocumentKind.BIRTH_CERTIFICATE, demo_pdf_upload("birth-certificate.pdf")),
        (DocumentKind.LANGUAGE_TEST, demo_pdf_upload(f"{test_name.lower()}-{test_level}.pdf")),
    ]
    for kind, upload in documents:
        services.document_upload(
            application=application,
            kind=kind,
            upload=upload,
            actor=candidate,
            expires_on=(
                campaign.passport_valid_until + dt.timedelta(days=3 * 365)
                if kind == DocumentKind.PASSPORT
                else None
            ),
        )
    return application
