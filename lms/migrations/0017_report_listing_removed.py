# The listing moved into CandidateEntry (0016). A migration of its own: on PostgreSQL a
# table cannot be altered in the transaction that has just written rows referencing it.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('lms', '0016_candidate_entries'),
    ]

    operations = [
        migrations.RemoveField(
            model_name='reportrun',
            name='listing',
        ),
    ]
