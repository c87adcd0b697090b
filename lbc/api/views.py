"""REST API, read-only for now. Every read goes through lbc.access; writing is not offered (405)."""

from __future__ import annotations

from typing import Any

from axes.helpers import get_cool_off
from django.contrib.auth import authenticate, user_logged_in
from django.db.models import QuerySet, Value
from django.db.models.functions import Concat
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp.plugins.otp_totp.models import TOTPDevice
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.authentication import BaseAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import PermissionDenied
from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from lbc import access, audit
from lbc.access import FieldTier, SearchTiers, UserLike, search_tiers
from lbc.models import Child
from lbc.otp import otp_required
from lbc.services.children import find_child_by_id_number

from .serializers import (
    ChildDetailSerializer,
    ChildQuerySerializer,
    ChildSerializer,
    DetailSerializer,
    TokenRequestSerializer,
    TokenSerializer,
)

# JSON only: the browsable API needs inline scripts that the Content-Security-Policy refuses.
RENDERERS = [JSONRenderer]


class TokenView(APIView):
    """Exchange a username and password (and, where required, a TOTP code) for an API token."""

    authentication_classes: list[type[BaseAuthentication]] = []  # credentials come in the body
    permission_classes = [AllowAny]
    renderer_classes = RENDERERS
    throttle_scope = "token"

    def get_throttles(self) -> list[BaseThrottle]:
        # Only credential attempts count against the scope; any other method is answered 405.
        return super().get_throttles() if self.request.method == "POST" else []

    @extend_schema(auth=[], request=TokenRequestSerializer, responses={
        200: TokenSerializer, 400: DetailSerializer, 429: DetailSerializer,
    })
    def post(self, request: Request) -> Response:
        credentials = TokenRequestSerializer(data=request.data)
        credentials.is_valid(raise_exception=True)
        data, http_request = credentials.validated_data, request._request
        # django-axes counts failures per (username, IP) through this call and refuses locked pairs.
        user = authenticate(http_request, username=data["username"], password=data["password"])
        if getattr(http_request, "axes_locked_out", False):
            return locked_out(http_request)
        if user is None:
            return Response({"detail": _("用户名或密码不正确。")}, status=status.HTTP_400_BAD_REQUEST)
        if otp_required(user) and not second_factor_passed(user, data.get("otp_token", "")):
            message = _("此账号需要动态验证码：请在 otp_token 中填写验证器应用显示的6位数字。"
                        "尚未绑定验证器的，请先在网页登录完成绑定。")
            return Response({"detail": message}, status=status.HTTP_400_BAD_REQUEST)
        token, _created = Token.objects.get_or_create(user=user)
        user_logged_in.send(sender=user.__class__, request=http_request, user=user)
        audit.record("lbc.api.token_issued", actor=user, request=http_request)
        return Response({"token": token.key})


def locked_out(http_request: HttpRequest) -> Response:
    # Answered here in JSON; AxesMiddleware would otherwise replace the answer with its HTML page.
    http_request.axes_locked_out = False  # type: ignore[attr-defined]
    cool_off = get_cool_off(http_request)
    minutes = max(1, int(cool_off.total_seconds() // 60)) if cool_off else None
    if minutes is None:
        message = _("登录失败次数过多，此账号已在当前网络地址被锁定。请管理员解锁。")
    else:
        message = _("登录失败次数过多，此账号已在当前网络地址被暂时锁定。"
                    "请%(minutes)d分钟后再试，或请管理员解锁。") % {"minutes": minutes}
    response = Response({"detail": message}, status=status.HTTP_429_TOO_MANY_REQUESTS)
    if minutes is not None:
        response["Retry-After"] = str(minutes * 60)
    return response


def second_factor_passed(user: Any, code: str) -> bool:
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None or not code:
        return False
    allowed, _reason = device.verify_is_allowed()
    return bool(allowed and device.verify_token(code))


class ChildListView(ListAPIView):
    """Children in the caller's scope, a page at a time, each with the fields its rights allow."""

    serializer_class = ChildSerializer
    renderer_classes = RENDERERS

    @extend_schema(parameters=[ChildQuerySerializer], responses={
        200: ChildSerializer(many=True), 400: OpenApiResponse(description=gettext_lazy("查询条件有误")),
        401: DetailSerializer, 403: DetailSerializer,
    })
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[Child]:
        query = ChildQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        user = self.request.user
        if not access.scope_of(user).memberships:
            # No current membership (e.g. a term that ended): the account still works but sees nothing.
            return access.children_for(user).none()
        children = filter_children(access.children_for(user, listing=True), user, query.validated_data)
        related = ("school", "school_class", "village", "township", "confirmed_by")
        return children.select_related(*related).order_by("family_name", "given_name", "public_id")

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        assert page is not None  # a pagination class is configured in settings
        rights = access.rights_for_children(request.user, page)
        serializer = ChildSerializer(page, many=True, context={"rights_by_child": rights})
        return self.get_paginated_response(serializer.data)


class ChildDetailView(APIView):
    """One child with guardians and parents. Out of scope answers exactly like a missing id (404)."""

    renderer_classes = RENDERERS

    @extend_schema(responses={200: ChildDetailSerializer, 401: DetailSerializer, 404: DetailSerializer})
    def get(self, request: Request, public_id: Any) -> Response:
        child, rights = access.get_child_for_user(request.user, public_id)
        # Written before the data is built: if the audit write fails, the request fails with it.
        audit.record("lbc.child.viewed", actor=request.user, request=request._request, obj=child, child=child,
                     detail={"via": "api"})
        return Response(ChildDetailSerializer(child, context={"rights_by_child": {child.pk: rights}}).data)


def filter_children(children: QuerySet[Child], user: UserLike, params: dict[str, Any]) -> QuerySet[Child]:
    if "school" in params:
        children = children.filter(school__public_id=params["school"])
    if not params.keys() & {"q", "grade", "id_number"}:
        return children
    tiers = search_tiers(user)
    if "grade" in params:
        if FieldTier.BASIC not in tiers.everywhere:
            raise PermissionDenied(_("您的角色不能按年级筛选。"))
        children = children.filter(grade=params["grade"])
    if params.get("q", "").strip():
        children = search_names(children, params["q"].strip(), FieldTier.BASIC in tiers.everywhere)
    if "id_number" in params:
        children = search_id_number(children, user, params["id_number"], tiers)
    return children


def search_names(children: QuerySet[Child], text: str, full_names: bool) -> QuerySet[Child]:
    """Given names for everyone; family names only for callers who see them on every row."""
    if not full_names:
        return children.filter(given_name__icontains=text)
    return children.annotate(search_name=Concat("family_name", Value(""), "given_name")).filter(
        search_name__icontains=text
    )


def search_id_number(children: QuerySet[Child], user: UserLike, number: str,
                     tiers: SearchTiers) -> QuerySet[Child]:
    """Exact match, and only where the caller may see that child's ID number (no existence oracle)."""
    if FieldTier.IDENTITY not in tiers.somewhere:
        raise PermissionDenied(_("您的角色不能按身份证号码查找。"))
    found = find_child_by_id_number(number)
    if found is None or not access.rights_for_child(user, found).identity:
        return children.none()
    return children.filter(pk=found.pk)
