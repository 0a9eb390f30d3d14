from django.urls import path

from parcels import api

urlpatterns = [
    path("api/lookup/", api.LookupApi.as_view(), name="api-lookup"),
    path("api/districts/", api.DistrictListApi.as_view(), name="api-districts"),
    path("api/parcels/", api.ParcelSearchApi.as_view(), name="api-parcel-search"),
    path("api/parcels/<str:code>/", api.ParcelDetailApi.as_view(), name="api-parcel-detail"),
]
