"""What the audit page shows for the stored codes: a label per known action, per common detail
key and per status value (msgids, translated where shown); the codes stay on the page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.console.views import ROLE_LABELS
from app.i18n import N_

ACTIONS: dict[str, str] = {
    "auth.login": N_("Đăng nhập"),
    "auth.logout": N_("Đăng xuất"),
    "api_key.create": N_("Tạo khóa API"),
    "api_key.revoke": N_("Thu hồi khóa API"),
    "comment.assign": N_("Giao xử lý góp ý"),
    "comment.reply": N_("Trả lời góp ý"),
    "comment.close": N_("Đóng góp ý"),
    "comment.reopen": N_("Mở lại góp ý"),
    "comment.reveal": N_("Xem nguyên văn góp ý"),
    "dossiers.import": N_("Nhập danh sách hồ sơ"),
    "frame.set": N_("Cập nhật khung mẫu"),
    "invitation.issue": N_("Phát hành lời mời"),
    "quota.set": N_("Đặt số phiếu cần thu"),
    "quota.delete": N_("Xóa số phiếu cần thu"),
    "response.exclude": N_("Loại phiếu khỏi thống kê"),
    "response.restore": N_("Khôi phục phiếu vào thống kê"),
    "response.import": N_("Nhập phiếu trả lời"),
    "response.base_weight": N_("Tính trọng số cơ sở"),
    "response.export_unmasked": N_("Xuất phiếu không che thông tin cá nhân"),
    "round.create": N_("Tạo đợt khảo sát"),
    "round.status": N_("Đổi trạng thái đợt khảo sát"),
    "round.edit": N_("Sửa tên hoặc thời gian đợt khảo sát"),
    "round.design": N_("Đổi thiết kế mẫu của đợt"),
    "round.volume": N_("Cập nhật lượng giao dịch"),
    "round.volume_source": N_("Đổi nguồn lượng giao dịch (cố định / theo hồ sơ nạp)"),
    "webhook.create": N_("Tạo đăng ký webhook"),
    "webhook.redeliver": N_("Gửi lại webhook"),
    "webhook.enable": N_("Bật lại đăng ký webhook"),
    "webhook.disable": N_("Tắt đăng ký webhook"),
    "account.alerts": N_("Đổi cài đặt thông báo qua thư điện tử"),
    "round.bands": N_("Đặt ngưỡng xếp loại"),
    "round.target": N_("Đặt chỉ tiêu"),
    "round.freeze": N_("Chốt và công bố số liệu"),
    "round.publish": N_("Công khai một phiên bản số liệu"),
    "round.unpublish": N_("Thôi công khai một phiên bản số liệu"),
    "sample_plan.create": N_("Lập kế hoạch mẫu"),
    "sample_draw.create": N_("Rút mẫu"),
    "unit.create": N_("Tạo đơn vị"),
    "unit.update": N_("Sửa đơn vị"),
    "unit.import": N_("Nhập đơn vị từ tệp"),
    "unit.merge": N_("Sáp nhập đơn vị"),
    "user.create": N_("Tạo tài khoản"),
    "user.grant": N_("Cấp quyền"),
    "user.revoke": N_("Thu hồi quyền"),
    "user.password_change": N_("Đổi mật khẩu"),
    "user.password_reset": N_("Đặt lại mật khẩu"),
    "user.deactivate": N_("Khóa tài khoản"),
    "user.reactivate": N_("Mở khóa tài khoản"),
    "weight_set.compute": N_("Tính bộ trọng số"),
    "weight_set.activate": N_("Dùng bộ trọng số"),
}
KEYS: dict[str, str] = {
    "from": N_("Từ"),
    "to": N_("Thành"),
    "status": N_("Trạng thái"),
    "reason": N_("Lý do"),
    "note": N_("Ghi chú"),
    "reply": N_("Trả lời"),
    "assignee": N_("Người xử lý"),
    "email": N_("Email"),
    "superadmin": N_("Siêu quản trị"),
    "role": N_("Vai trò"),
    "unit": N_("Đơn vị"),
    "name": N_("Tên"),
    "level": N_("Cấp"),
    "parent": N_("Đơn vị cấp trên"),
    "predecessors": N_("Các đơn vị sáp nhập"),
    "moved_children": N_("Đơn vị trực thuộc chuyển sang"),
    "successor": N_("Đơn vị kế thừa"),
    "inactive_from": N_("Ngừng hoạt động từ"),
    "round": N_("Đợt khảo sát"),
    "form": N_("Bộ câu hỏi"),
    "version": N_("Phiên bản"),
    "method": N_("Phương pháp"),
    "rows": N_("Số dòng"),
    "count": N_("Số lượng"),
    "seed": N_("Hạt giống"),
    "value": N_("Giá trị"),
    "target": N_("Chỉ tiêu"),
    "stratum": N_("Tầng"),
    "starts_on": N_("Ngày bắt đầu"),
    "ends_on": N_("Ngày kết thúc"),
}
# Status codes in "from", "to" and "status": responses, comments and rounds.
STATUSES: dict[str, str] = {
    "valid": N_("Hợp lệ"),
    "excluded": N_("Bị loại"),
    "new": N_("Mới"),
    "assigned": N_("Đã giao"),
    "answered": N_("Đã trả lời"),
    "closed": N_("Đã đóng"),
    "draft": N_("Nháp"),
    "open": N_("Đang mở"),
    "published": N_("Đã công bố"),
}
YES_NO = {True: N_("Có"), False: N_("Không")}


@dataclass(frozen=True)
class Detail:
    key: str  # the stored key, kept for search
    label: str | None  # a msgid, or None when the key has no label
    value: str
    translate: bool  # the value is a msgid (a status, yes/no), not data


def _text(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(_text(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}={_text(v)}" for k, v in value.items())
    return "—" if value is None or value == "" else str(value)


def details(changes: dict[str, Any]) -> list[Detail]:
    """An event's changes as the page shows them."""
    found = []
    for key, value in changes.items():
        if isinstance(value, bool):
            found.append(Detail(key, KEYS.get(key), YES_NO[value], True))
        elif key in ("from", "to", "status") and value in STATUSES:
            found.append(Detail(key, KEYS.get(key), STATUSES[value], True))
        elif key == "role" and value in ROLE_LABELS:
            found.append(Detail(key, KEYS.get(key), ROLE_LABELS[value], True))
        else:
            found.append(Detail(key, KEYS.get(key), _text(value), False))
    return found
