# A new audited action: IT policy changing the DX leader candidate criteria.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('lms', '0017_report_listing_removed'),
    ]

    operations = [
        migrations.AlterField(
            model_name='auditevent',
            name='action',
            field=models.CharField(choices=[('login_succeeded', 'Signed in'), ('login_failed', 'Failed to sign in'), ('mfa_added', 'Two-factor authentication set up'), ('mfa_removed', 'Two-factor authentication removed'), ('mfa_reset', 'Recovery codes regenerated'), ('mfa_failed', 'Wrong two-factor code'), ('roles_changed', 'Roles changed'), ('report_generated', 'Report generated'), ('person_progress_viewed', "Viewed a person's progress"), ('person_skills_viewed', "Viewed a person's skill levels"), ('report_downloaded', 'Downloaded a report'), ('roster_imported', 'Imported the staff list'), ('roster_exported', 'Exported the staff list'), ('person_data_exported', 'Exported all data held about a person'), ('person_anonymised', 'Anonymised a former member of staff'), ('criteria_changed', 'Changed the DX leader candidate criteria')], max_length=40, verbose_name='action'),
        ),
    ]
