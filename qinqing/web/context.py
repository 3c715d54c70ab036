from qinqing.core.accounts.access import profile_of
from qinqing.web.nav import nav_for


def shell(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": [], "profile": None}
    return {"nav": nav_for(user), "profile": profile_of(user)}
