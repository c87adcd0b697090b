"""REST API, read-only for now. Every read goes through lbc.access; writing is not offered (405).

Reads of children are audited before the data is built (no audit row, no data: 503), and counted per
user in the ``person_data`` throttle scope (lists and details share one bucket).
"""

from __future__ import annotations

import logging
import math
from typing import Any, NoReturn

from axes.helpers import get_cool_off
from django.contrib.auth import authenticate, user_logged_in
from django.db.models import QuerySet, Value
from django.db.models.functions import Concat
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django_otp.plugins.otp_totp.models import TOTPDevice
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.authentication import BaseAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import APIException, PermissionDenied, Throttled
from rest_framework.generics import ListAPIView
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import AllowAny, BasePermission, IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from lbc import access, audit
from lbc.access import FIELD_TIERS, FieldTier, Rights, SearchTiers, UserLike, search_tiers
from lbc.api.authentication import ExpiringTokenAuthentication, issue_token, token_lifetime
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

logger = logging.getLogger(__name__)

# JSON only: the browsable API needs inline scripts that the Content-Security-Policy refuses.
RENDERERS = [JSONRenderer]
# The throttle scope of every view that returns person data (rate: LBC_API_PERSON_DATA_RATE).
PERSON_DATA_SCOPE = "person_data"
# The field tiers the child serializers can show, named in audit details as the HTML child page does.
SHOWN_TIERS = sorted({tier for kind in ("child", "guardian", "parent")
                      for tier in FIELD_TIERS[kind].values()})


class AuditUnavailable(APIException):
    """The audit event of a read could not be written, so the data is not sent."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = gettext_lazy("暂时无法记录本次查阅，数据未显示。请稍后再试。")
    default_code = "audit_unavailable"


class TooManyRequests(Throttled):
    """429 with a message of our own (DRF's appends an English sentence); ``wait`` becomes Retry-After."""

    wait: int | None

    def __init__(self, wait: float | None) -> None:
        if wait is None:
            detail, seconds = _("请求过于频繁，请稍后再试。"), None
        else:
            seconds = max(1, math.ceil(wait))
            detail = ngettext(
                "请求过于频繁，请%(seconds)d秒后再试。", "请求过于频繁，请%(seconds)d秒后再试。", seconds
            ) % {"seconds": seconds}
        APIException.__init__(self, detail, "throttled")
        self.wait = seconds


class ApiView(APIView):
    """JSON only; a throttled request is told in the user's language when to try again."""

    renderer_classes = RENDERERS

    def throttled(self, request: Request, wait: float | None) -> NoReturn:
        raise TooManyRequests(wait)


def record_read(request: Request, action: str, **fields: Any) -> None:
    """Write the audit event of a read before its data is built; if that fails, the request fails (503)."""
    try:
        audit.record(action, actor=request.user, request=request._request, **fields)
    except Exception as exc:
        # The event holds no personal data, so neither does this log line.
        logger.exception("audit write failed for %s; the data was not sent", action)
        raise AuditUnavailable from exc


def tier_names(rights: Rights) -> list[str]:
    return [tier.name.lower() for tier in SHOWN_TIERS if rights.sees(tier)]


class ChildPagination(PageNumberPagination):
    """A fixed page of 50 children, as on the HTML list: callers cannot ask for a bigger page."""

    page_size = 50
    page_size_query_param = None
    max_page_size = 50


PERSON_DATA_ERRORS = {
    401: DetailSerializer,
    429: OpenApiResponse(DetailSerializer, description=gettext_lazy("请求过于频繁（按用户限速），稍后再试")),
    503: OpenApiResponse(DetailSerializer, description=gettext_lazy("无法记录审计日志，未返回数据")),
}


class TokenView(ApiView):
    """Exchange a username and password (and, where required, a TOTP code) for an API token (POST),
    or end the token the request is made with (DELETE)."""

    throttle_scope = "token"

    def get_authenticators(self) -> list[BaseAuthentication]:
        # POST brings its credentials in the body; DELETE is made with the token it ends. (The schema
        # generator asks with no request: POST's own schema says it takes no authentication.)
        return [ExpiringTokenAuthentication()] if self.method() in (None, "DELETE") else []

    def get_permissions(self) -> list[BasePermission]:
        # Other methods reach DRF's 405 before any credential is looked at.
        return [IsAuthenticated()] if self.method() == "DELETE" else [AllowAny()]

    def method(self) -> str | None:
        return getattr(self.request, "method", None)

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
        token = issue_token(user)
        user_logged_in.send(sender=user.__class__, request=http_request, user=user)
        audit.record("lbc.api.token_issued", actor=user, request=http_request)
        return Response({"token": token.key, "expires_at": token.created + token_lifetime()})

    @extend_schema(request=None, responses={204: None, 401: DetailSerializer})
    def delete(self, request: Request) -> Response:
        Token.objects.filter(user=request.user).delete()  # type: ignore[misc]  # IsAuthenticated
        audit.record("lbc.api.token_revoked", actor=request.user, request=request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


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


class ChildListView(ApiView, ListAPIView):
    """Children in the caller's scope, a page at a time, each with the fields its rights allow.

    ID numbers are masked. Every page answered writes one audit event with its count and filters.
    """

    serializer_class = ChildSerializer
    pagination_class = ChildPagination
    throttle_scope = PERSON_DATA_SCOPE

    @extend_schema(parameters=[ChildQuerySerializer], responses={
        200: ChildSerializer(many=True), 400: OpenApiResponse(description=gettext_lazy("查询条件有误")),
        403: DetailSerializer, **PERSON_DATA_ERRORS,
    })
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[Child]:
        query = ChildQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        self.params: dict[str, Any] = query.validated_data
        user = self.request.user
        if not access.scope_of(user).memberships:
            # No current membership (e.g. a term that ended): the account still works but sees nothing.
            return access.children_for(user).none()
        children = filter_children(access.children_for(user, listing=True), user, self.params)
        children = children.exclude(status=Child.Status.AGED_OUT)  # off the lists; detail still reads them
        related = ("school", "school_class", "village", "township", "confirmed_by")
        return children.select_related(*related).order_by("family_name", "given_name", "public_id")

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        assert page is not None and self.paginator is not None  # ChildPagination
        rights = access.rights_for_children(request.user, page)
        current = self.paginator.page  # type: ignore[attr-defined]  # the Django Page just served
        # One event per page, written before the rows are serialised: no event, no rows.
        record_read(request, "lbc.api.children.listed", detail={
            "count": len(page),
            "total": current.paginator.count,
            "page": current.number,
            "filters": audited_filters(self.params),
        })
        serializer = ChildSerializer(page, many=True, context={"rights_by_child": rights})
        return self.get_paginated_response(serializer.data)


def audited_filters(params: dict[str, Any]) -> dict[str, Any]:
    """The filters of a list for its audit event: a name or ID number searched for is never written down,
    only that the search happened (its results are the event's ``total``)."""
    filters: dict[str, Any] = {}
    if "school" in params:
        filters["school"] = str(params["school"])
    if "grade" in params:
        filters["grade"] = params["grade"]
    if params.get("q", "").strip():
        filters["name_search"] = True
    if "id_number" in params:
        filters["id_number_search"] = True
    return filters


class ChildDetailView(ApiView):
    """One child with guardians and parents. Out of scope answers exactly like a missing id (404).

    The whole ID number is shown to roles holding the identity tier for this child, as on the HTML
    child page; the audit event names the tiers shown, so a reveal is recorded.
    """

    throttle_scope = PERSON_DATA_SCOPE

    @extend_schema(responses={200: ChildDetailSerializer, 404: DetailSerializer, **PERSON_DATA_ERRORS})
    def get(self, request: Request, public_id: Any) -> Response:
        child, rights = access.get_child_for_user(request.user, public_id)
        # Written before the data is built: if the audit write fails, the request fails with it.
        record_read(request, "lbc.child.viewed", obj=child, child=child,
                    detail={"via": "api", "tiers": tier_names(rights),
                            **access.grant_detail(request.user, child, rights)})
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
