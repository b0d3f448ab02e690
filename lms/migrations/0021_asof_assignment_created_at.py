import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("lms", "0024_grants_audit_append_only"),
    ]

    operations = [
        # Existing assignments keep NULL: they count as having always existed.
        migrations.AddField(
            model_name="trackassignment",
            name="created_at",
            field=models.DateTimeField(
                blank=True, editable=False, null=True, verbose_name="created at"
            ),
        ),
        # New ones record when they were made (a Python default: nothing is backfilled).
        migrations.AlterField(
            model_name="trackassignment",
            name="created_at",
            field=models.DateTimeField(
                blank=True,
                default=django.utils.timezone.now,
                editable=False,
                null=True,
                verbose_name="created at",
            ),
        ),
    ]
