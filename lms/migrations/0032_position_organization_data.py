"""Positions become each town's own (issue 14): every existing position gets a town.

- One town: every position is that town's.
- Several towns: a position goes to each town that uses it (a membership in one of the
  town's departments, or one of the town's track assignments). The lowest-id town keeps the
  row; every other town gets a copy (same code, name and rank), and that town's memberships
  and track assignments are pointed at its copy. So reports, rules and the roster of every
  town see the same posts as before, and no town's row names another town's position.
  A position nobody uses is copied to every town (each keeps the list it had).
- No town at all: nothing can use a position (memberships and assignments need a town),
  so the unused rows are deleted.

Then the column is made NOT NULL. The migration is not atomic as a whole, so that on
PostgreSQL the data step commits (its own transaction) before the ALTER TABLE (which
refuses to run on a table with pending deferred-constraint events in the same transaction).
"""

from django.db import migrations, models
import django.db.models.deletion


def give_positions_their_towns(apps, schema_editor):
    Organization = apps.get_model("lms", "Organization")
    Position = apps.get_model("lms", "Position")
    Membership = apps.get_model("lms", "Membership")
    TrackAssignment = apps.get_model("lms", "TrackAssignment")
    Chosen = TrackAssignment.positions.through
    towns = list(Organization.objects.order_by("pk").values_list("pk", flat=True))
    homeless = Position.objects.filter(organization__isnull=True)
    if not towns:
        homeless.delete()
        return
    if len(towns) == 1:
        homeless.update(organization_id=towns[0])
        return
    for position in homeless.order_by("pk"):
        used_by = set(
            Membership.objects.filter(position_id=position.pk).values_list(
                "department__organization_id", flat=True
            )
        ) | set(
            Chosen.objects.filter(position_id=position.pk).values_list(
                "trackassignment__organization_id", flat=True
            )
        )
        keeper, *others = sorted(used_by) or towns
        position.organization_id = keeper
        position.save(update_fields=["organization"])
        for town in others:
            copy = Position.objects.create(
                organization_id=town, code=position.code, name=position.name, rank=position.rank
            )
            Membership.objects.filter(
                position_id=position.pk, department__organization_id=town
            ).update(position_id=copy.pk)
            Chosen.objects.filter(
                position_id=position.pk, trackassignment__organization_id=town
            ).update(position_id=copy.pk)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("lms", "0031_position_organization"),
    ]

    operations = [
        migrations.RunPython(
            give_positions_their_towns, migrations.RunPython.noop, atomic=True
        ),
        migrations.AlterField(
            model_name="position",
            name="organization",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="positions",
                to="lms.organization",
                verbose_name="organisation",
            ),
        ),
    ]
