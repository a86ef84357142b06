"""Review and submit the dossier; the submitted summary (page and PDF); the timeline."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from candidates import services
from candidates.letters import summary_letter_facts
from candidates.selectors import couple_for, dossier_history
from candidates.views.common import dossier_context, dossier_view
from tapif.core.exceptions import DomainError
from tapif.core.letters import letter_filename, letter_issue, letter_language, letter_response
from tapif.core.models import IssuedLetter
from tapif.core.pdf import html_to_pdf, render_html


class SubmitForm(forms.Form):
    certify = forms.BooleanField(
        label=gettext_lazy(
            "I certify that the information in my dossier is accurate and that my motivation "
            "letter is my own work."
        ),
        error_messages={"required": gettext_lazy("Tick this box to submit your dossier.")},
    )


def _summary_context(request) -> dict:
    context = dossier_context(request)
    application = request.dossier
    context.update(
        couple=couple_for(application),
        documents=sorted(application.current_documents, key=lambda d: d.kind),
    )
    return context


@dossier_view
def submit(request):
    context = _summary_context(request)
    form = SubmitForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.application_submit(application=request.dossier, actor=request.user)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _("Your dossier is submitted. A confirmation has been sent to %(email)s.")
                % {"email": request.user.email},
            )
            return redirect("candidates:dossier")
    context["form"] = form
    return render(request, "candidates/submit.html", context)


@dossier_view
def summary(request):
    return render(request, "candidates/summary.html", _summary_context(request))


@dossier_view
def summary_pdf(request):
    """The dossier's summary as a PDF in the candidate's language (or `?lang=`).

    Once submitted it is an official letter (`letter_issue`: the programme's header, a
    verification code, cached by content, kept in the private storage); a draft's summary is
    only printed, marked as a draft, with no code.
    """
    application = request.dossier
    context = {**_summary_context(request), "number": application.number}
    language = letter_language(request, application.candidate)
    if application.submitted_at is None:
        html = render_html("candidates/summary_pdf.html", context, language=language)
        pdf = html_to_pdf(html, print_stylesheet=False)
        response = HttpResponse(pdf, content_type="application/pdf")
        filename = f"tapif-{application.number}-draft.pdf"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        response["Cache-Control"] = "private, no-store"
        return response
    letter = letter_issue(
        kind=IssuedLetter.Kind.DOSSIER_SUMMARY,
        template="candidates/summary_pdf.html",
        context=context,
        language=language,
        owner=application.candidate,
        number=application.number,
        facts=summary_letter_facts(application, context["documents"]),
        actor=request.user,
    )
    return letter_response(letter, filename=letter_filename(letter, "tapif"))


@dossier_view
def timeline(request):
    application = request.dossier
    context = dossier_context(
        request, changes=dossier_history(application=application, viewer=request.user)
    )
    return render(request, "candidates/timeline.html", context)
