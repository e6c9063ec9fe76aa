{#- The entitlement store on PostgreSQL (docs/access.md), created and
    kept up to date by the hook as one transaction: schema access owned
    by the dbt user (the access administrator: the only writer),
    access.user_scopes (who reads as which level within which ids),
    access.scope_changes (every change, written by a trigger, so changes
    made with plain SQL are logged too) and access.my_scopes, the lookup
    the policies read (a view with its owner's rights returning the
    caller's own active rows). Analyst groups get usage on the schema and
    select on the view, nothing on the tables. -#}
{% macro access_store_statements(roles) -%}
    {%- set groups = roles | join(', ') -%}
    {%- set levels = [] -%}
    {%- set needs = [] -%}
    {%- for role in roles -%}
        {%- set level = access_scope_level(role) -%}
        {%- do levels.append("'" ~ level ~ "'") -%}
        {%- for c in access_scope_columns(role) -%}
            {%- do needs.append("(level <> '" ~ level ~ "' or " ~ c
                ~ " is not null)") -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- set ids = ['tenant_id', 'team_id', 'user_id', 'brand_id'] -%}
    {%- set sql -%}
begin;
create schema if not exists access;
revoke all on schema access from public;
create table if not exists access.user_scopes (
    login name not null,
    level text not null,
    tenant_id text,
    team_id text,
    user_id text,
    brand_id text,
    valid_from timestamptz,
    valid_to timestamptz,
    granted_by name not null default session_user,
    granted_at timestamptz not null default now()
);
alter table access.user_scopes drop constraint if exists user_scopes_level;
alter table access.user_scopes add constraint user_scopes_level check (
    level in ({{ levels | join(', ') }})
    {%- for n in needs %}
    and {{ n }}
    {%- endfor %});
create unique index if not exists user_scopes_key on access.user_scopes (
    login, level
    {%- for c in ids %}, coalesce({{ c }}, ''){% endfor %});
create table if not exists access.scope_changes (
    changed_at timestamptz not null default clock_timestamp(),
    changed_by name not null default session_user,
    action text not null,
    login name not null,
    level text not null,
    tenant_id text,
    team_id text,
    user_id text,
    brand_id text,
    valid_from timestamptz,
    valid_to timestamptz
);
create or replace function access.log_scope_change() returns trigger
language plpgsql security definer set search_path = pg_catalog, access as $$
begin
    if tg_op = 'DELETE' then
        insert into access.scope_changes (action, login, level,
            {{ ids | join(', ') }}, valid_from, valid_to)
        values ('revoke', old.login, old.level,
            {%- for c in ids %} old.{{ c }},{% endfor %} old.valid_from,
            old.valid_to);
    else
        insert into access.scope_changes (action, login, level,
            {{ ids | join(', ') }}, valid_from, valid_to)
        values (case tg_op when 'INSERT' then 'grant' else 'update' end,
            new.login, new.level,
            {%- for c in ids %} new.{{ c }},{% endfor %} new.valid_from,
            new.valid_to);
    end if;
    return null;
end $$;
drop trigger if exists user_scopes_audit on access.user_scopes;
create trigger user_scopes_audit
    after insert or update or delete on access.user_scopes
    for each row execute function access.log_scope_change();
{#- The caller's own active entitlements: a view, so it reads the table
    with its owner's rights (analysts get select on the view only, never
    on the table) while current_user stays the caller; security_barrier
    keeps an analyst's own functions in a WHERE from seeing other rows.
    The policies read it in uncorrelated subqueries (InitPlans: once per
    statement, and usable as index conditions). The function of the
    first version is dropped (its InitPlan was not usable by an index). -#}
drop function if exists access.scope_keys(name, text, text[]) cascade;
create or replace view access.my_scopes with (security_barrier) as
select login, level, tenant_id, team_id, user_id, brand_id, valid_from,
    valid_to
from access.user_scopes
where login = current_user
    and (valid_from is null or valid_from <= now())
    and (valid_to is null or valid_to > now());
revoke all on access.user_scopes, access.scope_changes, access.my_scopes
    from public;
revoke all on function access.log_scope_change() from public;
grant usage on schema access to {{ groups }};
grant select on access.my_scopes to {{ groups }};
commit;
    {%- endset -%}
    {{ return(sql) }}
{%- endmacro %}


{#- The id columns a scope of a group role must carry: every column its
    rules isolate by (none for `all`). -#}
{% macro access_scope_columns(role) -%}
    {%- set grants = access_declaration().roles[role] -%}
    {%- set out = [] -%}
    {%- if grants != 'all' -%}
        {%- for level, columns in grants.items() -%}
            {%- for c in columns if c not in out -%}
                {%- do out.append(c) -%}
            {%- endfor -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(out) }}
{%- endmacro %}
