"""Each town gets its own collection of documents and images (issue 14).

For every town without one: a collection 「<town>の資料」 under the root collection; the author
groups (DX leaders, IT policy) are given on it the permissions they held on the root
(add and choose images and documents; ``lms/people/authoring.py``); the documents and images
still in the root collection move into it — those uploaded by the town's people, and every
one when there is a single town. Items in other collections, and with several towns those
of no town's uploader, stay where they are (the platform operator places them).

``setup_authoring`` does the same for a town made later. Going back leaves the collections.
"""

from django.db import migrations

AUTHOR_GROUPS = ("dx_leader", "it_policy")
AUTHOR_PERMISSIONS = (
    ("wagtailimages", "add_image"),
    ("wagtailimages", "choose_image"),
    ("wagtaildocs", "add_document"),
    ("wagtaildocs", "choose_document"),
)
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"  # treebeard's, steps of 4


def _next_step(last: str | None) -> str:
    number = 0 if last is None else int(last, 36) + 1
    step = ""
    for _ in range(4):
        number, digit = divmod(number, 36)
        step = ALPHABET[digit] + step
    return step


def give_towns_collections(apps, schema_editor):
    Organization = apps.get_model("lms", "Organization")
    Collection = apps.get_model("wagtailcore", "Collection")
    GroupCollectionPermission = apps.get_model("wagtailcore", "GroupCollectionPermission")
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    Document = apps.get_model("wagtaildocs", "Document")
    Image = apps.get_model("wagtailimages", "Image")
    root = Collection.objects.filter(depth=1).order_by("path").first()
    towns = list(Organization.objects.filter(collection__isnull=True).order_by("pk"))
    if root is None or not towns:
        return
    single_town = Organization.objects.count() == 1
    groups = list(Group.objects.filter(name__in=AUTHOR_GROUPS))
    permissions = [
        permission
        for app_label, codename in AUTHOR_PERMISSIONS
        for permission in Permission.objects.filter(
            content_type__app_label=app_label, codename=codename
        )
    ]
    for town in towns:
        last = (
            Collection.objects.filter(depth=root.depth + 1, path__startswith=root.path)
            .order_by("-path")
            .values_list("path", flat=True)
            .first()
        )
        collection = Collection.objects.create(
            name=f"{town.name}の資料",
            path=root.path + _next_step(last[-4:] if last else None),
            depth=root.depth + 1,
            numchild=0,
        )
        root.numchild += 1
        root.save(update_fields=["numchild"])
        town.collection = collection
        town.save(update_fields=["collection"])
        for group in groups:
            for permission in permissions:
                GroupCollectionPermission.objects.get_or_create(
                    group=group, collection=collection, permission=permission
                )
        for model in (Document, Image):
            in_root = model.objects.filter(collection=root)
            if not single_town:
                in_root = in_root.filter(uploaded_by_user__organization=town)
            in_root.update(collection=collection)


class Migration(migrations.Migration):
    dependencies = [
        ("lms", "0037_organization_collection"),
        ("wagtaildocs", "0014_alter_document_file_size"),
        ("wagtailimages", "0027_image_description"),
    ]

    operations = [migrations.RunPython(give_towns_collections, migrations.RunPython.noop)]
