"""The German browser interface: server-rendered pages (Jinja2 + htmx) in the API's app.

Layout
  routes.py      PAGE_ROUTERS (one router per area) and install_web(app), called by
                 api/app.py; static files (our CSS/JS, vendored pinned htmx) at /static
  pages.py       WebUser (session user), post_checks (CSRF + origin + viewers read only;
                 csrf_checks without the role rule, for the own account), require_role,
                 can, render, redirect, is_htmx, WebRoute (errors -> German HTML pages),
                 NAVIGATION (the menu)
  session.py     the session cookie (an access token of auth/) and the CSRF token
  forms.py       parse_form (the service's own pydantic model, German numbers), FormState
                 (values kept, errors at their field), new_form_key (idempotency key)
  listing.py     list_query / Pager: server-side paging (50 rows), sorting, search
  formatting.py  every Jinja filter: number, money, quantity, day, moment, labels
  messages.py    the one table of German messages for problem codes and input errors
  templates/     base.html, macros.html (csrf, field, select, checkbox, form_message,
                 sort_header, pagination; import them "with context"), error.html,
                 one folder per area
  account.py, dashboard.py, items.py, warehouses.py, batches.py
                 the areas: Anmelden/Abmelden/Passwort, Übersicht, Artikel, Lager, Chargen
  production.py, recipes.py, tracing.py (+ trace_graph.py, the SVG layout)
                 Produktion (orders), Rezepturen, Rückverfolgung (trace, recall report, recall)

How to add a page (area "foo", German path "/foo")
  1. ``web/foo.py``::

         router = APIRouter(route_class=WebRoute, dependencies=[Depends(post_checks)])

         @router.get("/foo")
         def foo_list(request: Request, user: WebUser, session: SessionDep) -> Response:
             query = list_query(request, sorts=("name",), default_sort="name")
             rows, total = some_domain.service.list_things(session, query.params, ...)
             return render(request, "foo/index.html", {"rows": rows, "pager": Pager(query, total)})

     Call the SAME service function the API route calls; never SQL here, never HTTP to
     our own API. If no service offers the query you need, add one to the domain.
  2. Add ``foo.router`` to ``PAGE_ROUTERS`` in routes.py (and a NavEntry in pages.py when
     it is a new menu area).
  3. Templates in ``templates/foo/``: ``index.html`` extends ``base.html``; the parts htmx
     swaps are partials named ``_row.html``, ``_form.html``, ``_list.html``. A list page
     answers an htmx request (``is_htmx(request)``) with its ``_list.html`` only (see
     items.py: active search is a filter form with ``hx-get`` and ``hx-trigger="input
     changed delay:300ms"``). Every field's error line ``#e-<name>`` is always rendered,
     so an inline check can fill it out of band (items/_checks.html).
  4. Forms: ``{{ csrf() }}`` in every POST form (htmx requests send the token as a header
     from <body hx-headers>). Parse with ``parse_form(TheServiceModel, await request.form())``;
     on a DomainError call ``form.fail(error, known_fields)`` and re-render the form with
     status 422 — the German message lands at the named field and the input is kept.
     Postings render ``<input type=hidden name=idempotency_key value={{ key }}>`` with
     ``key = new_form_key()`` and pass it to the service's idempotency key.
  5. Roles: post_checks already refuses every POST by a viewer (403). An action that the
     API route gives to managers calls ``require_role(user, Role.manager)`` first; in the
     template, ``{% if can("manager") %}`` hides the buttons the user may not use.
  6. Errors a handler does not catch (NotFound, Forbidden, InvalidState …) become a German
     error page with the right status; Unauthorized becomes the redirect to /anmelden.
  7. Tests: fast ones with the TestClient in tests/integration/web/, journeys in Chromium
     in tests/e2e/web/ with the fixtures of tests/web_support.py (live server, logged-in
     page per role, screenshots, statement counter).
"""
