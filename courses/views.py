from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .models import ModulePage
from .selectors import module_context_for_learner
from .services import CompletionError, module_complete


@login_required
@require_POST
def module_complete_view(request, module_id: int):
    """Mark a module complete for the signed-in learner (「学習を完了する」).

    Only ever for ``request.user``: no user id is read from the request.
    """
    module = get_object_or_404(ModulePage.objects.live().defer_streamfields(), pk=module_id)
    try:
        result = module_complete(user=request.user, module=module)
    except CompletionError as error:
        messages.error(request, str(error))
        return redirect(module.url)
    if result.course_completed_now:
        messages.success(
            request,
            _("You have completed the course “%(course)s”. Well done!")
            % {"course": result.course_completion.course.title},
        )
    elif result.created:
        messages.success(request, _("“%(module)s” is complete.") % {"module": module.title})
    else:
        messages.info(
            request, _("You had already completed “%(module)s”.") % {"module": module.title}
        )
    context = module_context_for_learner(module=module, user=request.user)
    target = context["next_module"] or context["course"]
    return redirect(target.url)
