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
    {%- set names = [cfg.get('schema', 'marts'), cfg.get('context',
        'retail_saas')] -%}
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
{% macro access_marts() -%}
    {%- set cfg = access_declaration() -%}
    {#- where this run builds the marts (a publish build: marts__shadow) -#}
    {%- set schema = generate_schema_name(cfg.get('schema', 'marts'), none) | trim -%}
    {%- set level_of = {} -%}
    {%- for level, marts in cfg.get('levels', {}).items() -%}
        {%- for m in marts -%}
            {%- do level_of.update({m: level}) -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- set out = [] -%}
    {%- set found = [] -%}
    {%- for node in graph.nodes.values()
            if node.resource_type == 'model' and node.schema == schema -%}
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
                {%- do rules.append({'role': role, 'columns': []}) -%}
            {%- elif level is not none and level in grants -%}
                {%- for c in grants[level] if c not in cols -%}
                    {{ exceptions.raise_compiler_error(
                        'access_policies: ' ~ name ~ ' (level ' ~ level
                        ~ ') has no column ' ~ c ~ ', which ' ~ role
                        ~ ' is isolated by') }}
                {%- endfor -%}
                {%- do rules.append({'role': role,
                    'columns': grants[level]}) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- if level is none and execute -%}
            {%- do log('access: ' ~ schema ~ '.' ~ name ~ ' is in no level'
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
            'access_policies: ' ~ m ~ ' is not a model in schema ' ~ schema)
        }}
    {%- endfor -%}
    {{ return(out | sort(attribute='name')) }}
{%- endmacro %}


{#- The row filter of one rule: each column equals the session's
    <context>.<column>; an unset or empty setting is null, so it matches
    nothing. `missing_ok` is how the adapter's current_setting() is told
    not to fail on an unset variable (PostgreSQL: true = missing ok;
    Redshift: false = error_if_undefined off). -#}
{% macro access_predicate(columns, missing_ok='true') -%}
    {%- set ctx = access_declaration().get('context', 'retail_saas') -%}
    {%- if columns | length == 0 -%}
        true
    {%- else -%}
        {%- for c in columns -%}
            {{ c }} = nullif(current_setting('{{ ctx }}.{{ c }}', {{
            missing_ok }}), '')
            {%- if not loop.last %}
        and {% endif -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}
