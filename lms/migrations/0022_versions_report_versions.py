# Reports become versions: a rebuild for the same date makes a new version that
# supersedes the earlier one (both kept, with who, when and why). One build per
# version, one current version and one build at a time per report, as constraints.
# The fiscal-year close, and the link from a rolled-over track assignment to its source.

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('lms', '0021_asof_assignment_created_at'),
    ]

    operations = [
        migrations.CreateModel(
            name='FiscalYearClose',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('fiscal_year', models.PositiveSmallIntegerField(verbose_name='fiscal year')),
                ('closed_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='closed at')),
            ],
            options={
                'verbose_name': 'fiscal-year close',
                'verbose_name_plural': 'fiscal-year closes',
                'ordering': ['-fiscal_year'],
            },
        ),
        migrations.RemoveConstraint(
            model_name='reportrun',
            name='report_run_once_per_scope',
        ),
        migrations.AddField(
            model_name='reportrun',
            name='rebuild_note',
            field=models.CharField(blank=True, max_length=200, verbose_name='note on the rebuild'),
        ),
        migrations.AddField(
            model_name='reportrun',
            name='rebuild_reason',
            field=models.CharField(blank=True, choices=[('criteria_changed', 'The selection criteria were changed'), ('data_corrected', 'The data were corrected'), ('other', 'Other')], max_length=20, verbose_name='reason for the rebuild'),
        ),
        migrations.AddField(
            model_name='reportrun',
            name='superseded_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='replaced at'),
        ),
        migrations.AddField(
            model_name='reportrun',
            name='supersedes',
            field=models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='superseded_by', to='lms.reportrun', verbose_name='replaces'),
        ),
        migrations.AddField(
            model_name='reportrun',
            name='version',
            field=models.PositiveSmallIntegerField(default=1, verbose_name='version'),
        ),
        migrations.AddField(
            model_name='trackassignment',
            name='rolled_over_from',
            field=models.OneToOneField(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='rolled_over_to', to='lms.trackassignment', verbose_name='rolled over from'),
        ),
        migrations.AlterField(
            model_name='auditevent',
            name='action',
            field=models.CharField(choices=[('login_succeeded', 'Signed in'), ('login_failed', 'Failed to sign in'), ('mfa_added', 'Two-factor authentication set up'), ('mfa_removed', 'Two-factor authentication removed'), ('mfa_reset', 'Recovery codes regenerated'), ('mfa_failed', 'Wrong two-factor code'), ('roles_changed', 'Roles changed'), ('report_generated', 'Report generated'), ('person_progress_viewed', "Viewed a person's progress"), ('person_skills_viewed', "Viewed a person's skill levels"), ('report_downloaded', 'Downloaded a report'), ('roster_imported', 'Imported the staff list'), ('roster_exported', 'Exported the staff list'), ('person_data_exported', 'Exported all data held about a person'), ('person_anonymised', 'Anonymised a former member of staff'), ('criteria_changed', 'Changed the DX leader candidate criteria'), ('report_rebuild_requested', 'Asked for a new version of a report'), ('fiscal_year_closed', 'Closed a fiscal year'), ('assignments_rolled_over', 'Rolled track assignments over into the next fiscal year')], max_length=40, verbose_name='action'),
        ),
        migrations.AlterField(
            model_name='reportrun',
            name='failure',
            field=models.CharField(blank=True, choices=[('unavailable', 'The database or file storage stayed unavailable while the report was being built. Please request it again later; if it fails again, contact the administrator.'), ('error', 'The report could not be built because of an error. Please contact the system administrator.'), ('frozen', 'The fiscal year has been closed, so its year-end report is final and was not replaced.')], max_length=12, verbose_name='reason for failure'),
        ),
        migrations.AddConstraint(
            model_name='reportrun',
            constraint=models.UniqueConstraint(fields=('organization', 'kind', 'fiscal_year', 'as_of', 'version'), name='report_run_once_per_version'),
        ),
        migrations.AddConstraint(
            model_name='reportrun',
            constraint=models.UniqueConstraint(condition=models.Q(('status__in', ['ready', 'delivered']), ('superseded_at__isnull', True)), fields=('organization', 'kind', 'fiscal_year', 'as_of'), name='report_run_current_once_per_scope'),
        ),
        migrations.AddConstraint(
            model_name='reportrun',
            constraint=models.UniqueConstraint(condition=models.Q(('status__in', ['queued', 'building', 'failed'])), fields=('organization', 'kind', 'fiscal_year', 'as_of'), name='report_run_one_build_per_scope'),
        ),
        migrations.AddField(
            model_name='fiscalyearclose',
            name='closed_by',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='closed by'),
        ),
        migrations.AddField(
            model_name='fiscalyearclose',
            name='organization',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to='lms.organization', verbose_name='organisation'),
        ),
        migrations.AddField(
            model_name='fiscalyearclose',
            name='report',
            field=models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='fiscal_year_close', to='lms.reportrun', verbose_name='year-end report'),
        ),
        migrations.AddConstraint(
            model_name='fiscalyearclose',
            constraint=models.UniqueConstraint(fields=('organization', 'fiscal_year'), name='fiscal_year_closed_once'),
        ),
        migrations.AddConstraint(
            model_name='fiscalyearclose',
            constraint=models.CheckConstraint(condition=models.Q(('fiscal_year__gte', 2000), ('fiscal_year__lte', 2200)), name='fiscal_year_close_year_sane'),
        ),
    ]
