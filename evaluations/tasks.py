from celery import shared_task

from evaluations.services import evaluation_requests_flag_unopened


@shared_task(name="evaluations.tasks.flag_unopened_invitations")
def flag_unopened_invitations() -> int:
    """Daily: tell candidates whose invitation bounced or sits unopened (once per request)."""
    return evaluation_requests_flag_unopened()
