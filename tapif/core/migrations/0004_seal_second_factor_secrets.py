from django.db import migrations

from tapif.core.sealing import reseal_authenticator_data


def seal_stored_secrets(apps, schema_editor):
    """Authenticators set up before sealing existed keep their secrets in the clear: seal them."""
    Authenticator = apps.get_model("mfa", "Authenticator")
    for authenticator in Authenticator.objects.order_by("pk"):
        data = reseal_authenticator_data(authenticator.type, authenticator.data)
        if data is not None:
            authenticator.data = data
            authenticator.save(update_fields=["data"])


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_institution_email_domains"),
        ("mfa", "0003_authenticator_type_uniq"),
    ]

    operations = [migrations.RunPython(seal_stored_secrets, migrations.RunPython.noop)]
