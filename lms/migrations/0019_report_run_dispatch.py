# Whether a run's job reached the queue becomes a field of its own (``dispatch``);
# until now it was read from the last note of the run's history.

from django.db import migrations, models

# Copied, not imported: a migration must keep working after the code it was written with changes.
PUBLISH_FAILED = "publish failed"


def dispatch_from_history(apps, schema_editor):
    """Every run starts ``pending`` (the field's default). A run built by the management
    command stays so (it is built in the command's own process, never published); a
    queued run whose history ends with the broker's failure waits for the queue; every
    other run had its job published."""
    ReportRun = apps.get_model("lms", "ReportRun")
    ReportRun.objects.exclude(trigger="command").update(dispatch="published")
    waiting = [
        run.pk
        for run in ReportRun.objects.filter(status="queued").only("pk", "history").iterator()
        if run.history and run.history[-1].get("note") == PUBLISH_FAILED
    ]
    ReportRun.objects.filter(pk__in=waiting).update(dispatch="broker_down")


class Migration(migrations.Migration):
    dependencies = [
        ("lms", "0018_audit_actions"),
    ]

    operations = [
        migrations.AddField(
            model_name="reportrun",
            name="dispatch",
            field=models.CharField(
                choices=[
                    ("pending", "Not yet published to the job queue"),
                    ("published", "Published to the job queue"),
                    ("broker_down", "Waiting for the job queue"),
                ],
                default="pending",
                max_length=12,
                verbose_name="job queue",
            ),
        ),
        migrations.RunPython(dispatch_from_history, migrations.RunPython.noop),
    ]
