from cocreate.api_params import StrictPagination


class ProposalPagination(StrictPagination):
    page_size = 20
    max_page_size = 100
