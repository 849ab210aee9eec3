//! A client's employees: `/api/v1/clients/{client_id}/employees`.

use crate::access::ClientReader;
use crate::auth::Supervisor;
use crate::extract::{ApiJson, ApiPath};
use crate::{ApiResult, AppState};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use centrale_core::{ClientId, Employee, EmployeeDraft, EmployeeId};
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_employees, create_employee))
        .routes(routes!(get_employee, update_employee, delete_employee))
}

/// Lists a client's employees.
#[utoipa::path(get, path = "/api/v1/clients/{client_id}/employees", tag = "employees",
    security(("bearer" = [])), params(("client_id" = String, Path)),
    responses((status = 200, body = [Employee]), (status = 404, body = crate::error::ErrorBody)))]
async fn list_employees(
    State(state): State<AppState>,
    _: ClientReader,
    ApiPath(client_id): ApiPath<ClientId>,
) -> ApiResult<Json<Vec<Employee>>> {
    state.store.client(client_id).await?;
    Ok(Json(state.store.list_employees(client_id).await?))
}

/// Adds an employee.
#[utoipa::path(post, path = "/api/v1/clients/{client_id}/employees", tag = "employees",
    security(("bearer" = [])), params(("client_id" = String, Path)), request_body = EmployeeDraft,
    responses((status = 201, body = Employee), (status = 422, body = crate::error::ErrorBody)))]
async fn create_employee(
    State(state): State<AppState>,
    _: Supervisor,
    ApiPath(client_id): ApiPath<ClientId>,
    ApiJson(draft): ApiJson<EmployeeDraft>,
) -> ApiResult<(StatusCode, Json<Employee>)> {
    let employee = state
        .store
        .create_employee(client_id, &draft.validate()?)
        .await?;
    Ok((StatusCode::CREATED, Json(employee)))
}

/// Reads one employee.
#[utoipa::path(get, path = "/api/v1/clients/{client_id}/employees/{employee_id}", tag = "employees",
    security(("bearer" = [])), params(("client_id" = String, Path), ("employee_id" = String, Path)),
    responses((status = 200, body = Employee), (status = 404, body = crate::error::ErrorBody)))]
async fn get_employee(
    State(state): State<AppState>,
    _: ClientReader,
    ApiPath((client_id, employee_id)): ApiPath<(ClientId, EmployeeId)>,
) -> ApiResult<Json<Employee>> {
    Ok(Json(state.store.employee(client_id, employee_id).await?))
}

/// Replaces an employee's data.
#[utoipa::path(put, path = "/api/v1/clients/{client_id}/employees/{employee_id}", tag = "employees",
    security(("bearer" = [])), params(("client_id" = String, Path), ("employee_id" = String, Path)),
    request_body = EmployeeDraft,
    responses((status = 200, body = Employee), (status = 404, body = crate::error::ErrorBody)))]
async fn update_employee(
    State(state): State<AppState>,
    _: Supervisor,
    ApiPath((client_id, employee_id)): ApiPath<(ClientId, EmployeeId)>,
    ApiJson(draft): ApiJson<EmployeeDraft>,
) -> ApiResult<Json<Employee>> {
    Ok(Json(
        state
            .store
            .update_employee(client_id, employee_id, &draft.validate()?)
            .await?,
    ))
}

/// Removes an employee.
#[utoipa::path(delete, path = "/api/v1/clients/{client_id}/employees/{employee_id}", tag = "employees",
    security(("bearer" = [])), params(("client_id" = String, Path), ("employee_id" = String, Path)),
    responses((status = 204), (status = 404, body = crate::error::ErrorBody)))]
async fn delete_employee(
    State(state): State<AppState>,
    _: Supervisor,
    ApiPath((client_id, employee_id)): ApiPath<(ClientId, EmployeeId)>,
) -> ApiResult<StatusCode> {
    state.store.delete_employee(client_id, employee_id).await?;
    Ok(StatusCode::NO_CONTENT)
}
