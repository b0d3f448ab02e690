from django.db import migrations


def restrict_documents(apps, schema_editor):
    """Documents (manuals, forms, videos) are for signed-in staff, not the public.

    Wagtail serves documents of a collection with a "login" restriction only to
    signed-in users; the root collection's restriction covers every collection.
    """
    Collection = apps.get_model("wagtailcore", "Collection")
    Restriction = apps.get_model("wagtailcore", "CollectionViewRestriction")
    root = Collection.objects.filter(depth=1).first()
    if root and not Restriction.objects.filter(collection=root).exists():
        Restriction.objects.create(collection=root, restriction_type="login")


class Migration(migrations.Migration):
    dependencies = [
        ("content", "0001_initial"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [migrations.RunPython(restrict_documents, migrations.RunPython.noop)]
