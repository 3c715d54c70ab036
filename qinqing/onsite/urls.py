app_name = "onsite"
urlpatterns: list = []
