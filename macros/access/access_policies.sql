{#- The access model, read from the one declaration: var access_policies
    in dbt_project.yml (docs/access.md). These macros only read it; the
    DDL is written by apply_access_policies (per adapter). -#}

{#- The declaration, checked: names are plain lower-case identifiers (they
    go into DDL unquoted), every level a role names exists, no mart is in
    two levels. Returns the var's dict. -#}
{% macro access_declaration() -%}
    {%- set cfg = var('access_policies', none) -%}
    {%- if cfg is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set ident = modules.re.compile('^[a-z_][a-z0-9_]*$') -%}
    {%- set levels = cfg.get('levels', {}) -%}
    {%- set names = [cfg.get('schema', 'marts')]
        + cfg.get('indexes', {}).get('columns', [])
        + cfg.get('indexes', {}).get('levels', []) -%}
    {%- set seen = {} -%}
    {%- for level, marts in levels.items() -%}
        {%- do names.append(level) -%}
        {%- for m in marts -%}
            {%- do names.append(m) -%}
            {%- if m in seen -%}
                {{ exceptions.raise_compiler_error(
                    'access_policies: mart ' ~ m ~ ' is in levels '
                    ~ seen[m] ~ ' and ' ~ level) }}
            {%- endif -%}
            {%- do seen.update({m: level}) -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- for role, grants in cfg.get('roles', {}).items() -%}
        {%- do names.append(role) -%}
        {%- if not role.startswith('analytics_') -%}
            {{ exceptions.raise_compiler_error(
                'access_policies: role ' ~ role ~ ' does not start with'
                ~ ' analytics_ (its level is the rest of its name)') }}
        {%- endif -%}
        {%- if grants != 'all' -%}
            {%- for level, columns in grants.items() -%}
                {%- if level not in levels -%}
                    {{ exceptions.raise_compiler_error(
                        'access_policies: role ' ~ role
                        ~ ' names unknown level ' ~ level) }}
                {%- endif -%}
                {%- do names.extend(columns) -%}
            {%- endfor -%}
        {%- endif -%}
    {%- endfor -%}
    {%- for n in names -%}
        {%- if not ident.match(n | string) -%}
            {{ exceptions.raise_compiler_error(
                'access_policies: not a plain lower-case name: ' ~ n) }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(cfg) }}
{%- endmacro %}


{#- The group roles of the declaration, in its order. -#}
{% macro access_roles() -%}
    {{ return(access_declaration().get('roles', {}).keys() | list) }}
{%- endmacro %}


{#- Every model of the graph in the access schema (marts), with its access:
    [{name, schema, identifier, materialized, level, columns, rules}],
    sorted by name. rules = [{role, columns}]: the role reads the rows
    whose `columns` all equal the session's context.<column> ([] = every
    row). A mart in no level gets level none and one rule (the role(s)
    with `all`): platform admin only, and a warning. A declared mart that
    is not a model, or a rule column the mart lacks, is an error. -#}
{% macro access_marts(schema=none) -%}
    {%- set cfg = access_declaration() -%}
    {%- set declared = cfg.get('schema', 'marts') -%}
    {%- set schema = schema or declared -%}
    {%- set level_of = {} -%}
    {%- for level, marts in cfg.get('levels', {}).items() -%}
        {%- for m in marts -%}
            {%- do level_of.update({m: level}) -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- set out = [] -%}
    {%- set found = [] -%}
    {#- a model belongs to the marts by its configured schema, so that a
        write-audit-publish run building them elsewhere still finds them;
        `schema` is where their tables are now. -#}
    {%- for node in graph.nodes.values()
            if node.resource_type == 'model'
            and (node.config.schema or node.schema) == declared -%}
        {%- set name = node.alias or node.name -%}
        {%- if not modules.re.match('^[a-z_][a-z0-9_]*$', name) -%}
            {{ exceptions.raise_compiler_error(
                'access_policies: not a plain lower-case name: ' ~ name) }}
        {%- endif -%}
        {%- do found.append(name) -%}
        {%- set level = level_of.get(name) -%}
        {%- set cols = node.columns.keys() | map('lower') | list -%}
        {%- set rules = [] -%}
        {%- for role, grants in cfg.get('roles', {}).items() -%}
            {%- if grants == 'all' -%}
                {%- do rules.append({'role': role, 'columns': [],
                    'scope': access_scope_level(role)}) -%}
            {%- elif level is not none and level in grants -%}
                {%- for c in grants[level] if c not in cols -%}
                    {{ exceptions.raise_compiler_error(
                        'access_policies: ' ~ name ~ ' (level ' ~ level
                        ~ ') has no column ' ~ c ~ ', which ' ~ role
                        ~ ' is isolated by') }}
                {%- endfor -%}
                {%- do rules.append({'role': role,
                    'columns': grants[level],
                    'scope': access_scope_level(role)}) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- if level is none and execute -%}
            {%- do log('access: ' ~ declared ~ '.' ~ name ~ ' is in no level'
                ~ ' of var access_policies: platform admin only', info=true)
            -%}
        {%- endif -%}
        {%- do out.append({
            'name': name, 'schema': schema, 'database': node.database,
            'identifier': name, 'materialized': node.config.materialized,
            'level': level, 'columns': cols, 'rules': rules}) -%}
    {%- endfor -%}
    {%- for m in level_of if m not in found -%}
        {{ exceptions.raise_compiler_error(
            'access_policies: ' ~ m ~ ' is not a model in schema '
            ~ declared) }}
    {%- endfor -%}
    {{ return(out | sort(attribute='name')) }}
{%- endmacro %}


{#- The entitlement level of a group role: its name without analytics_
    (analytics_retailer -> retailer), the `level` of access.user_scopes. -#}
{% macro access_scope_level(role) -%}
    {{ return(role[('analytics_' | length):]) }}
{%- endmacro %}


{#- The PostgreSQL row filter of one rule: the row's isolating columns
    are those of an active entitlement of current_user at this scope
    level, read from access.my_scopes (a view with its owner's rights:
    the entitlements themselves are not readable by analysts, and it
    returns the caller's rows only). No session setting is read, so none
    can widen the rows. The first column is an `= any(array)` over an
    uncorrelated subquery: an InitPlan run once per statement, which an
    index on (tenant_id, ...) serves; with two or more columns the exact
    tuple is checked too (an agency's two (tenant, team) scopes do not
    mix into a third). [] = any active entitlement of the level. -#}
{% macro access_predicate(scope, columns) -%}
    {%- set mine = "from access.my_scopes as s where s.level = '" ~ scope
        ~ "'" -%}
    {%- if columns | length == 0 -%}
        exists (select 1 {{ mine }})
    {%- else -%}
        {{ columns[0] }} = any ((select coalesce(array_agg(s.{{ columns[0]
            }}), '{}') {{ mine }})::text[])
        {%- if columns | length > 1 %}
        and jsonb_build_array({{ columns | join(', ') }})::text = any ((
            select coalesce(array_agg(jsonb_build_array(s.{{
            columns | join(', s.') }})::text), '{}') {{ mine }})::text[])
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}
