from django.urls import path

from panorama.customers import views

app_name = "customers"

urlpatterns = [
    path("", views.account_list, name="list"),
    path("kanban/", views.kanban, name="kanban"),
    path("accounts/<int:pk>/", views.account_detail, name="account"),
    path("contacts/", views.contact_list, name="contacts"),
    path("contacts/<int:pk>/", views.contact_detail, name="contact"),
    path("contracts/", views.contracts, name="contracts"),
]
