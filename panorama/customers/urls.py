from django.urls import path

from panorama.customers import views
from panorama.timeline import views as timeline_views

app_name = "customers"

urlpatterns = [
    path("", views.account_list, name="list"),
    path("kanban/", views.kanban, name="kanban"),
    path("accounts/<int:pk>/", views.account_detail, name="account"),
    path("accounts/<int:pk>/timeline/", timeline_views.account_timeline, name="account_timeline"),
    path("contacts/", views.contact_list, name="contacts"),
    path("contacts/<int:pk>/", views.contact_detail, name="contact"),
    path("contacts/<int:pk>/timeline/", timeline_views.contact_timeline, name="contact_timeline"),
    path("contracts/", views.contracts, name="contracts"),
]
