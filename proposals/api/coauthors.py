"""Co-authors over HTTP. Thin: parse, call one service (services.coauthors), serialize.

- GET /api/v1/proposals/{id}/coauthors/: its co-authors, for anyone who may read it; its first author also
  reads the invitations still open or declined, with the addresses they typed.
- POST /api/v1/proposals/{id}/coauthors/ {email}: its first author invites an address.
- DELETE /api/v1/proposals/{id}/coauthors/{coauthor_id}/: its first author cancels an invitation or removes a
  co-author; a co-author leaves.
- GET /api/v1/me/coauthor-invitations/: the open invitations to the person's confirmed addresses.
- POST /api/v1/me/coauthor-invitations/{id}/accept/ and …/decline/: answering one.
"""

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from cocreate.api_params import json_body
from cocreate.limits import Text
from cocreate.schema import ERROR, refusal
from cocreate.throttling import ScopedWriteThrottle

from .. import permissions, selectors
from ..coauthor_selectors import coauthor_rows, coauthors_of, invitations_waiting
from ..models import ProposalCoauthor
from ..notifications.coauthors import invitation_url
from ..services import coauthors as services


class CoauthorSerializer(serializers.ModelSerializer):
    name = serializers.SerializerMethodField(help_text="A co-author's public name; null for an invitation.")
    email = serializers.SerializerMethodField(
        help_text="The address invited, as typed: for the proposal's first author only, and only while the "
        "invitation is not accepted (null otherwise)."
    )

    class Meta:
        model = ProposalCoauthor
        fields = ["id", "state", "name", "email", "created_at", "responded_at"]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_name(self, row: ProposalCoauthor) -> str | None:
        return str(row.user.public_name) if row.is_accepted else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_email(self, row: ProposalCoauthor) -> str | None:
        return row.address if self.context.get("first_author") and not row.is_accepted else None


class InviteSerializer(serializers.Serializer):
    email = Text(max_length=services.ADDRESS_MAX, help_text="The address to invite.")


class InvitationSerializer(serializers.ModelSerializer):
    proposal = serializers.IntegerField(source="proposal_id")
    proposal_title = serializers.CharField(source="proposal.title")
    invited_by = serializers.SerializerMethodField(help_text="The public name of the proposal's author.")
    url = serializers.SerializerMethodField(help_text="The page that accepts or declines it.")

    class Meta:
        model = ProposalCoauthor
        fields = [
            "id",
            "proposal",
            "proposal_title",
            "invited_by",
            "state",
            "url",
            "created_at",
            "responded_at",
        ]
        read_only_fields = fields

    def get_invited_by(self, row: ProposalCoauthor) -> str:
        return str(row.invited_by.public_name) if row.invited_by else ""

    def get_url(self, row: ProposalCoauthor) -> str:
        return invitation_url(row.proposal_id)


NOT_AUTHOR = refusal(
    "Not the proposal's first author (`not_author`), or an address not confirmed (`email_unverified`).",
    "not_author",
    "email_unverified",
)
INVITE_CONFLICT = refusal(
    "The proposal is hidden (`proposal_hidden`), not published yet (`proposal_not_published`), withdrawn "
    "(`proposal_withdrawn`) or its consultation closed (`consultation_closed`); the address is yours "
    "(`own_address`), invited already (`already_invited`) or a co-author's (`already_coauthor`); or the "
    "proposal has PROPOSAL_COAUTHORS_MAX co-authors and open invitations (`too_many_coauthors`).",
    "proposal_hidden",
    "proposal_not_published",
    "proposal_withdrawn",
    "consultation_closed",
    "own_address",
    "already_invited",
    "already_coauthor",
    "too_many_coauthors",
)
ANSWER_CONFLICT = refusal(
    "Answered, cancelled or removed already (`invitation_not_open`); you are its author or a co-author "
    "already (`already_coauthor`); or, to accept, the proposal is hidden (`proposal_hidden`), not "
    "published (`proposal_not_published`), withdrawn (`proposal_withdrawn`) or its consultation closed "
    "(`consultation_closed`).",
    "invitation_not_open",
    "already_coauthor",
    "proposal_hidden",
    "proposal_not_published",
    "proposal_withdrawn",
    "consultation_closed",
)
NO_SUCH_INVITATION = OpenApiResponse(
    description="No invitation with this id went to one of your confirmed addresses (`not_found`)."
)


class _CoauthorWrites(APIView):
    throttle_classes = [ScopedWriteThrottle]

    def get_throttles(self):
        self.throttle_scope = "coauthor_invite" if self.request.method == "POST" else "proposal_edit"
        return super().get_throttles()

    def get_permissions(self):
        return [] if self.request.method == "GET" else [IsAuthenticated()]


class ProposalCoauthorsView(_CoauthorWrites):
    @extend_schema(
        operation_id="proposal_coauthors_list",
        responses={200: CoauthorSerializer(many=True), 404: ERROR},
        description="Its co-authors, the first to join first, for anyone who may read the proposal. Its "
        "first author also reads the invitations still open or declined, with the addresses invited.",
    )
    def get(self, request, pk: int):
        proposal = selectors.proposal_get(proposal_id=pk, user=request.user)
        first_author = permissions.is_proposal_author(request.user, proposal)
        rows = coauthor_rows(proposal=proposal) if first_author else coauthors_of(proposal=proposal)
        context = {"first_author": first_author}
        return Response(CoauthorSerializer(rows, many=True, context=context).data)

    @extend_schema(
        operation_id="proposal_coauthors_invite",
        request=InviteSerializer,
        responses={
            201: CoauthorSerializer,
            400: refusal("Not an e-mail address (`invalid`, in `fields.email`).", "invalid"),
            403: NOT_AUTHOR,
            404: ERROR,
            409: INVITE_CONFLICT,
        },
        description="Its first author invites an e-mail address to co-author the proposal. An e-mail goes to "
        "the address whether or not an account has it (the answer is the same either way), and a notice "
        "in the site to the account whose confirmed address it is. Rate-limited (`coauthor_invite`).",
    )
    def post(self, request, pk: int):
        data = json_body(InviteSerializer, request)
        proposal = selectors.proposal_get(proposal_id=pk, user=request.user)
        row = services.coauthor_invite(actor=request.user, proposal=proposal, email=data["email"])
        body = CoauthorSerializer(row, context={"first_author": True}).data
        return Response(body, status=status.HTTP_201_CREATED)


class ProposalCoauthorView(_CoauthorWrites):
    @extend_schema(
        operation_id="proposal_coauthors_remove",
        responses={
            204: None,
            403: refusal("Neither its first author nor this co-author (`not_author`).", "not_author"),
            404: ERROR,
        },
        description="Its first author cancels an invitation or removes a co-author; a co-author leaves. "
        "A co-author's leaving is in the proposal's public history.",
    )
    def delete(self, request, pk: int, coauthor_id: int):
        proposal = selectors.proposal_get(proposal_id=pk, user=request.user)
        row = services.coauthor_get(proposal=proposal, coauthor_id=coauthor_id)
        services.coauthor_remove(actor=request.user, coauthor=row)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MyCoauthorInvitationsView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="me_coauthor_invitations",
        responses={200: InvitationSerializer(many=True)},
        description="The open invitations to co-author a proposal sent to your confirmed addresses, newest "
        "first.",
    )
    def get(self, request):
        return Response(InvitationSerializer(invitations_waiting(user=request.user), many=True).data)


class _AnswerView(APIView):
    permission_classes = [IsAuthenticated]
    throttle_classes = [ScopedWriteThrottle]
    throttle_scope = "proposal_edit"


def _answer(request, pk: int, *, accept: bool) -> Response:
    invitation = services.invitation_for(user=request.user, coauthor_id=pk)
    row = services.coauthor_respond(user=request.user, invitation=invitation, accept=accept)
    return Response(InvitationSerializer(row).data)


ANSWER_RESPONSES = {
    200: InvitationSerializer,
    403: refusal("E-mail address not confirmed (`email_unverified`).", "email_unverified"),
    404: NO_SUCH_INVITATION,
    409: ANSWER_CONFLICT,
}


class CoauthorAcceptView(_AnswerView):
    @extend_schema(
        operation_id="me_coauthor_invitations_accept",
        request=None,
        responses=ANSWER_RESPONSES,
        description="Accept: you are named on the proposal and may edit it under its author's rules; your "
        "joining is in its public history.",
    )
    def post(self, request, pk: int):
        return _answer(request, pk, accept=True)


class CoauthorDeclineView(_AnswerView):
    @extend_schema(
        operation_id="me_coauthor_invitations_decline",
        request=None,
        responses=ANSWER_RESPONSES,
        description="Decline: the proposal's author sees the invitation declined, and cannot invite this "
        "address to it again.",
    )
    def post(self, request, pk: int):
        return _answer(request, pk, accept=False)
