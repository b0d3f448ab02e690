# Staff numbers unique per town (issue 14): a person's town is stored, not derived.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('lms', '0028_outbox'),
    ]

    operations = [
        migrations.AddField(
            model_name='user',
            name='organization',
            field=models.ForeignKey(blank=True, help_text="The town whose staff roster holds this person.", null=True, on_delete=django.db.models.deletion.PROTECT, related_name='people', to='lms.organization', verbose_name='organisation'),
        ),
        migrations.AlterField(
            model_name='user',
            name='staff_number',
            field=models.CharField(help_text='The number HR gives each member of staff (職員番号).', max_length=32, verbose_name='staff number'),
        ),
        migrations.AddConstraint(
            model_name='user',
            constraint=models.UniqueConstraint(fields=('organization', 'staff_number'), name='user_staff_number_unique_per_org', violation_error_message='A member of staff with this staff number already exists in this organisation.'),
        ),
        migrations.AddConstraint(
            model_name='user',
            constraint=models.UniqueConstraint(condition=models.Q(('organization__isnull', True)), fields=('staff_number',), name='user_staff_number_unique_without_org', violation_error_message='A member of staff with this staff number already exists in this organisation.'),
        ),
    ]
